// Package optest holds what tests need of 1Password and zotkey itself does
// not: an in-memory 1Password that mirrors the SDK (Memory, and File to share
// one between processes), and a service-account token the SDK's core parses
// but that opens no account (FakeToken).
package optest

import (
	"encoding/base64"
	"fmt"
	"strings"
)

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
	return "ops_" + base64.RawURLEncoding.EncodeToString([]byte(payload))
}
