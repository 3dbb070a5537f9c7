package main

import "github.com/rogpeppe/go-internal/testscript"

// scriptCmd is a custom testscript command: neg is true after "!".
type scriptCmd = func(ts *testscript.TestScript, neg bool, args []string)

// scriptCmds is every custom command the scripts in testdata/script may use,
// one line each; the functions live beside their kind (script_*_test.go).
// The programs the scripts exec besides the system's are zotkey and
// awaitseen (TestMain).
var scriptCmds = map[string]scriptCmd{
	// The fake zot (script_zot_test.go).
	"zotfault":    cmdZotfault,    // zotfault NAME...: inject faults into the fake zot (none: clear them)
	"zotexpire":   cmdZotexpire,   // zotexpire: the seeded key (key.txt) expires now
	"zotmint":     cmdZotmint,     // zotmint FILE: give zot-ci another valid key (90 days) and write it to FILE
	"zotuse":      cmdZotuse,      // zotuse FILE: one request with the key in FILE, which stamps its lastUsed
	"zotclock":    cmdZotclock,    // zotclock DURATION: move the fake zot's clock
	"zotclockon":  cmdZotclockon,  // zotclockon FILE DURATION: once $WORK/FILE appears, move the fake zot's clock
	"zotscopes":   cmdZotscopes,   // zotscopes FILE [SCOPE...]: set or print the scopes of the key in FILE
	"zotredirect": cmdZotredirect, // zotredirect CODE LOCATION [METHOD [PATH]]: answer matching requests with a redirect
	"zothostile":  cmdZothostile,  // zothostile KIND...: the fake zot's answers carry forged text
	"zotany":      cmdZotany,      // zotany: $ZOT_ANY is the fake zot's URL with 0.0.0.0 for 127.0.0.1
	"zotwait":     cmdZotwait,     // zotwait mark | idle | N METHOD PATH | N any: wait on requests to the registry
	"zotproxy":    cmdZotproxy,    // zotproxy MODE [FILE]: a rewriting proxy in front of the fake zot (script_proxy_test.go)
	"zottrap":     cmdZottrap,     // zottrap: an anonymous registry that counts what reaches it ($TRAP, $TRAPHOST)
	"trapped":     cmdTrapped,     // trapped N: exactly N requests reached the trap
	"tlsserver":   cmdTLSServer,   // tlsserver: an HTTPS server with a certificate nobody trusts ($TLSURL)
	"registry":    cmdRegistry,    // registry: a real OCI registry that accepts zot-ci with key.txt ($REGISTRY)

	// The invariant (script_zot_test.go).
	"zotkeys":  cmdZotkeys,  // zotkeys STORE N [expired]: N valid keys, nothing orphaned, nothing lost
	"noorphan": cmdNoorphan, // noorphan STORE: zotkeys STORE with whatever count of valid keys there is

	// The stores and the local record (script_store_test.go).
	"keyringfp":    cmdKeyringfp,    // keyringfp USER: print the fingerprint of the keyring entry, or "none"
	"keyringput":   cmdKeyringput,   // keyringput USER FILE: seed a keyring entry
	"keyringsave":  cmdKeyringsave,  // keyringsave USER FILE: write the keyring entry's value to FILE
	"opfield":      cmdOpfield,      // opfield FIELD: print the fingerprint of the fake 1Password field, or "missing"
	"opfieldid":    cmdOpfieldid,    // opfieldid TITLE: print the ID of the seeded item's field titled TITLE
	"opuntouched":  cmdOpuntouched,  // opuntouched: the fake 1Password is as seeded but for the zot-ci-api value
	"opfault":      cmdOpfault,      // opfault NAME VALUE: inject a fault into the fake 1Password
	"opfaultkey":   cmdOpfaultkey,   // opfaultkey NAME FILE [hex]: a 1Password fault whose text quotes the key in FILE
	"opputs":       cmdOpputs,       // opputs N: the fake 1Password saw exactly N successful writes
	"opapp":        cmdOpapp,        // opapp start [old|missing|app-only] | answer A | unlock | expire | latency D | hang|stall METHOD: the stand-in 1Password app
	"opcalls":      cmdOpcalls,      // opcalls: print the 1Password calls since the last opcalls
	"opitem":       cmdOpitem,       // opitem recreate|archive|supersede|title NEW: change the seeded item as a user could
	"noconnect":    cmdNoconnect,    // noconnect: no 1Password client was created so far
	"zotrecords":   cmdZotrecords,   // zotrecords: print every local record file
	"recordmangle": cmdRecordmangle, // recordmangle symlink|huge|fifo|garbage: damage the record
	"recordage":    cmdRecordage,    // recordage DURATION: make the records look written DURATION ago
	"elapse":       cmdElapse,       // elapse DURATION: recordage and zotclock DURATION: that much time passes for zotkey

	// Exposure scans (script_exposure_test.go).
	"exposure": cmdExposure, // exposure start|stop [NAME...]: scan /proc, files and output for the script's keys
	"leak":     cmdLeak,     // leak FILE: a short-lived process with the key in FILE in its argv and environment
	"nokey":    cmdNokey,    // nokey FILE: the last stdout and stderr hold no hex digits of the key in FILE

	// Processes and signals (script_proc_test.go).
	"sigread":   cmdSigread,   // sigread MODE SIGNAL ARGS...: signal a zotkey blocked reading its input
	"hardened":  cmdHardened,  // hardened ARGS...: print a running zotkey's core limit and dumpability
	"waitfor":   cmdWaitfor,   // waitfor FILE REGEXP: wait (10s at most) until FILE holds a line matching REGEXP
	"waitfile":  cmdWaitfile,  // waitfile FILE: wait (10s at most) until FILE exists
	"sleep":     cmdSleep,     // sleep DURATION: wait; never to race a process (use waitfile or opened)
	"openwatch": cmdOpenwatch, // openwatch GLOB: note each open of the file matching GLOB, by any process (Linux)
	"opened":    cmdOpened,    // opened: wait (10s at most) until openwatch's file has been opened since

	// Files and the clipboard (script_files_test.go).
	"fp":        cmdFp,        // fp FILE: print the fingerprint of a file's trimmed content
	"bytes":     cmdBytes,     // bytes FILE GOSTRING: write the Go-quoted string's bytes to FILE
	"big":       cmdBig,       // big FILE N: write N bytes to FILE
	"writefile": cmdWritefile, // writefile FILE LINE...: write the lines to FILE with $VAR expanded
	"clip":      cmdClip,      // clip FILE: put the file's content on the X clipboard
	"clipfp":    cmdClipfp,    // clipfp: print the fingerprint of the clipboard's content, or "empty"

	// mise, fish, git, Go and the daily job's schedulers (script_shell_test.go).
	"mkproject":   cmdMkproject,   // mkproject [-nosync]: a mise project in $WORK/proj with a stub sync
	"repo":        cmdRepo,        // repo: $REPO is this repository's root
	"gitserve":    cmdGitserve,    // gitserve DIR: serve the bare repositories under DIR over smart HTTP ($GITURL)
	"closedport":  cmdClosedport,  // closedport: $CLOSEDPORT is a loopback port nothing listens on
	"goproxy":     cmdGoproxy,     // goproxy MODULE VERSION=AGE...: a module proxy on disk ($GOPROXY)
	"pathwithout": cmdPathwithout, // pathwithout DIR: drop DIR from $PATH
	"fakenotify":  cmdFakenotify,  // fakenotify: a notify-send that logs its arguments to $WORK/notified
	"plist":       cmdPlist,       // plist FILE: print the property list as JSON; every path in it is absolute
	"sdverify":    cmdSdverify,    // sdverify DIR: systemd-analyze verify --user the units in DIR
	"standins":    cmdStandins,    // standins: stand-in launchctl and systemctl first on PATH, logging to $STANDIN_DIR
	"mkbadpaths":  cmdMkbadpaths,  // mkbadpaths: $BADUTF8 and $NOTXML, directories the job's files cannot name
}
