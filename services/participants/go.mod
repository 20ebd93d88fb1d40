module github.com/motesplats/motesplats/services/participants

go 1.26.0

require github.com/motesplats/motesplats/pkg v0.0.0

replace github.com/motesplats/motesplats/pkg => ../../pkg
