package cli

import "errors"

// pages calls list with each page token until the last page. A token that
// does not move on is an error, never a silent stop with part of the list.
func pages(list func(token string) (next string, err error)) error {
	token := ""
	for {
		next, err := list(token)
		if err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		if next == token {
			return errors.New("stopped after an incomplete list: the gateway returned the same page token twice")
		}
		token = next
	}
}
