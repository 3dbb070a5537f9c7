package onepassword

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// An SDK error that quotes a value (the core's validation texts quote what
// they were given) reaches the user without the key in any form.
func TestSDKErrorsAreRedacted(t *testing.T) {
	const k = "zak_0123456789abcdef0123456789abcdef"
	for _, form := range []string{k, base64.StdEncoding.EncodeToString([]byte(k)), base64.URLEncoding.EncodeToString([]byte(k)),
		hex.EncodeToString([]byte(k)), "go-keyring-base64:" + base64.StdEncoding.EncodeToString([]byte(k)), "go-keyring-encoded:" + hex.EncodeToString([]byte(k))} {
		err := classify(errors.New("invalid user input: field id '" + form + "' must contain only alphanumeric characters\nwasm stack trace: …"))
		if strings.Contains(err.Error(), form[len(form)-30:]) || KindOf(err) != KindInput {
			t.Errorf("%q: %v (kind %v)", form, err, KindOf(err))
		}
	}
}
