package main

import (
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// operatorKeySource names where operatorKey takes the key from, in the
// order it looks: a refusal's sentence says which one signed.
func operatorKeySource(cfg Config) string {
	switch {
	case cfg.OperatorSigningKey != "":
		return "MP_OPERATOR_SIGNING_KEY"
	case cfg.SigningKey != "":
		return "MP_SIGNING_KEY (the gateway's key)"
	}
	return cfg.OperatorKeyPath()
}

// seedCallFailed says why a call of the seed failed when the answer is
// the seed's own setting, not the data: a token the services refused
// (which key signed it, from where, and what to change) or no stack
// answering (which address, from which variable, and what starts it).
// gRPC's own words ("rpc error: code = Unauthenticated desc = missing or
// invalid token") named neither; a shell holding an .env's
// MP_SIGNING_KEY signs before ./data/operator.key and was refused by
// make run's stack with no word why (found from outside, ADR 0223). Any
// other answer is returned as it was, after what.
func seedCallFailed(cfg Config, kid, what, addrVar, addr string, err error) error {
	switch status.Code(err) {
	case codes.Unauthenticated:
		var fix string
		switch {
		case cfg.OperatorSigningKey != "":
			fix = "the services take it only when their MP_PUBLIC_KEYS lists its public key under key id " + kid +
				" (keygen operator prints both); against make run, unset MP_OPERATOR_SIGNING_KEY to sign with " + cfg.OperatorKeyPath()
		case cfg.SigningKey != "":
			fix = "against make run, unset MP_SIGNING_KEY (an .env's, left in the shell) so the seed signs with " + cfg.OperatorKeyPath() +
				"; against separate services, set MP_OPERATOR_SIGNING_KEY (ADR 0217)"
		default:
			fix = "the stack that answers there keeps another key: give make seed its data directory (MP_DATA_DIR) and its " + addrVar
		}
		return fmt.Errorf("%s: the services at %s refused the seed's token, signed with %s (key id %s): %s",
			what, addr, operatorKeySource(cfg), kid, fix)
	case codes.Unavailable:
		return fmt.Errorf("%s: nothing answers at %s (%s): start the stack (make run) and wait for \"Mötesplats is up\", "+
			"or give make seed the same %s as make run; then run make seed again (it makes nothing twice)", what, addr, addrVar, addrVar)
	}
	return fmt.Errorf("%s: %w", what, err)
}
