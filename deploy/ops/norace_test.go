//go:build !race

package ops_test

// raceBuild: see race_test.go.
const raceBuild = false
