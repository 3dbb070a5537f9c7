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

// FakeToken is a service-account token that the SDK's core parses but that
// opens no account, for tests. It names signInAddress as the host to sign in
// at: the core then asks for https://<signInAddress>/api/v3/auth/start, which
// the SDK refuses to send unless the host matches *.1password.com and the like
// (internal/extism_core.go allowed1PHosts, checked by extism's http_request
// host function before any connection), so with 127.0.0.1 nothing leaves the machine.
func FakeToken(signInAddress string) string {
	payload := fmt.Sprintf(`{"signInAddress":%q,"userAuth":{"method":"SRPg-4096","alg":"PBES2g-HS256","iterations":650000,"salt":"AAAAAAAAAAAAAAAAAAAAAA"},`+
		`"email":"zotkeytest@1passwordserviceaccounts.com","srpX":"%s",`+
		`"muk":{"alg":"A256GCM","ext":true,"k":"%s","key_ops":["decrypt","encrypt"],"kty":"oct","kid":"mp"},`+
		`"secretKey":"A3-ABCDEF-GHJKLM-NPQRS-TVWXY-Z2345-6789A","throttleSecret":{"seed":"%s","uuid":"zotkeytestthrottleaaaaaaaa"},"deviceUuid":"zotkeytestdeviceaaaaaaaaaa"}`,
		// The core refuses an all-zero srpX ("deserialization failed") and
		// panics on an all-zero throttle seed, so both are patterned.
		signInAddress, strings.Repeat("1161d2f0", 8), strings.Repeat("A", 43), strings.Repeat("00112233", 8))
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(payload))
}
