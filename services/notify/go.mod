module github.com/motesplats/motesplats/services/notify

go 1.26.0

require github.com/motesplats/motesplats/pkg v0.0.0

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/emersion/go-sasl v0.0.0-20241020182733-b788ff22d5a6 // indirect
	github.com/emersion/go-smtp v0.26.0 // indirect
	github.com/nicksnyder/go-i18n/v2 v2.7.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/motesplats/motesplats/pkg => ../../pkg
