package onepassword

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// tokenPrefix starts every service-account token; the core refuses others
// ("prefix 'ops_' was expected but not found", core.wasm of SDK v0.4.1).
const tokenPrefix = "ops_"

// tokenPayload is the part of a service-account token's payload CheckToken
// looks at: the core's ServiceAccountCredentials (signInAddress, email,
// secretKey, srpX, muk, userAuth, deviceUuid, throttleSecret; core.wasm of SDK
// v0.4.1), base64url without padding after the prefix.
type tokenPayload struct {
	SignInAddress string          `json:"signInAddress"`
	Email         string          `json:"email"`
	SecretKey     string          `json:"secretKey"`
	SrpX          string          `json:"srpX"`
	Muk           json.RawMessage `json:"muk"`
	UserAuth      json.RawMessage `json:"userAuth"`
}

// CheckToken says whether tok has the shape of a service-account token: the
// ops_ prefix and a payload that decodes. Its errors describe, never quote.
func CheckToken(tok string) error {
	n := len(tok)
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok {
		return fmt.Errorf("the token (%d characters) does not start with %s, as 1Password service-account tokens do", n, tokenPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(rest, "="))
	if err != nil {
		return fmt.Errorf("the token (%d characters) is damaged or cut short: what follows %s is not base64url", n, tokenPrefix)
	}
	var p tokenPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("the token (%d characters) is damaged or cut short: its payload does not decode", n)
	}
	var missing []string
	for name, v := range map[string]string{"signInAddress": p.SignInAddress, "email": p.Email, "secretKey": p.SecretKey, "srpX": p.SrpX, "muk": string(p.Muk), "userAuth": string(p.UserAuth)} {
		if v == "" || v == "null" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the token (%d characters) is incomplete: its payload lacks %d of the parts a service-account token holds", n, len(missing))
	}
	return nil
}
