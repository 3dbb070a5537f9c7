package sim_test

import (
	"container/heap"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	op "github.com/1password/onepassword-sdk-go"

	"github.com/eblume/zotkey/internal/auto"
	"github.com/eblume/zotkey/internal/driver"
	"github.com/eblume/zotkey/internal/key"
	"github.com/eblume/zotkey/internal/lifecycle"
	"github.com/eblume/zotkey/internal/onepassword"
	"github.com/eblume/zotkey/internal/onepassword/optest"
	"github.com/eblume/zotkey/internal/record"
	"github.com/eblume/zotkey/internal/zot"
	"github.com/eblume/zotkey/internal/zot/zottest"
)

var seedFlag = flag.Uint64("seed", 0, "replay the simulated year with this seed (or ZOTKEY_SIM_SEED); 0: the default seed")

// defaultSeed is the year `go test` runs when no seed is given.
const defaultSeed = 1

// The settings the simulated user runs with: zotkey's defaults (auto's
// --within, --expires-in, --unused-for, --check-every with a service-account
// token), and the bounds of the world around it.
const (
	user        = "zot-ci"
	within      = 14                  // auto --within: mint when the key expires within 14 days
	lifetime    = 90 * 24 * time.Hour // auto --expires-in
	unusedFor   = 24 * time.Hour      // --unused-for
	staleAfter  = 2 * day             // auto --stale-after: tell a person once about a replaced key still used this long after its successor's sync
	syncTimeout = 30 * time.Minute    // sync-timeout: a hanging sync is stopped after this long
	jobAt       = 3 * time.Hour       // the daily job runs at 03:00 every day (launchd, systemd)
	ciTimeout   = 3 * time.Hour       // a Forgejo job's timeout: it pushes with the secret it read at its start until then
	notice      = 7 * 24 * time.Hour  // a missed user is notified at least this long before its key expires
	day         = 24 * time.Hour      //
	firstExpiry = 30 * 24 * time.Hour // the key the user starts the year with expires this long after the start
	missRepair  = 2 * time.Hour       // how long after a notification the person fixes the sync's missed target
	personDelay = 4 * time.Hour       // how long after another notification the person has fixed its cause and runs the job by hand
	yearStart   = "2027-01-04T00:00:00Z"
)

// Consumers of the secret. The sync delivers the stored key to both; once in
// the year it misses woodpecker, until a person fixes it.
const (
	forgejo    = "forgejo"
	woodpecker = "woodpecker"
)

// fault is what goes wrong on a day, drawn from the seed.
type fault int

const (
	none            fault = iota
	registryDown          // zot answers 503 to every request of the daily job (a proxy in front of a stopped zot)
	storeUnreadable       // 1Password cannot be reached: every call fails
	storeUnwritable       // 1Password refuses the daily job's next write of a new key
	syncFails             // the next sync of a daily job exits non-zero without delivering
	syncHangs             // the next sync of a daily job runs past sync-timeout (it may have delivered to one target) and is stopped
	killArmed             // zotkey is killed after a random effect: the next run that reaches the drawn stop point dies there
	zotSkewed             // zot's clock is off by minutes or hours for the whole day
	nFaults
)

var faultNames = [...]string{"none", "registry down", "store unreadable", "store refuses writes", "sync fails", "sync hangs", "zotkey killed", "zot's clock skewed"}

func (f fault) String() string { return faultNames[f] }

// killPoints bounds the stop point an armed kill is drawn at: a rotation with
// its sync passes 9 effects (the observation saved, the rotation begun …
// the sync's end saved), a revocation 2.
const killPoints = 8

// errKilled is how a stop point ends a run the simulation kills.
var errKilled = errors.New("killed")

// clock is the virtual clock. Local time (zotkey's Now, the CI's) moves only
// when the simulation advances it, and by a millisecond each time zot reads
// its own clock (each request it handles takes that long), so no two stamps
// of zot are equal. zot's clock is local time plus the day's skew.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	skew time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) zot() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t.Add(c.skew)
}

func (c *clock) to(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

func (c *clock) setSkew(d time.Duration) { c.mu.Lock(); c.skew = d; c.mu.Unlock() }
func (c *clock) getSkew() time.Duration  { c.mu.Lock(); defer c.mu.Unlock(); return c.skew }

// event is something the CI or a person does at a moment.
type event struct {
	at     time.Time
	seq    int
	kind   eventKind
	who    string // the consumer
	secret string // a push's key
}

type eventKind int

const (
	jobStarts  eventKind = iota // a CI job starts: it reads the secret the last sync delivered
	push                        // a CI job pushes with the secret it read
	fixSync                     // a person fixes the sync's missed target and delivers the stored key to it
	personActs                  // a person fixes what a notification named and runs the daily job by hand
)

type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// dayLog is what happened on one day.
type dayLog struct {
	n            int
	fault        fault
	needs        []string // why the day needed a person (the oracle below), empty when it did not
	notes        []string // notifications posted
	killed       string   // the stop point a run died at
	syncFault    fault    // the daily job's sync failed or hung (syncFails, syncHangs)
	hand         bool     // a person ran the rotation by hand (mise run rotate-zot-key)
	personComing bool     // a notification brought the person, who runs the job by hand
	lines        []string // what zotkey said
	// observed by the fakes during the daily job's run
	readFailed, writeFailed, syncFailed bool
}

// need records why the day needed a person (once each).
func (d *dayLog) need(why string) {
	if !slices.Contains(d.needs, why) {
		d.needs = append(d.needs, why)
	}
}

// missed is the user the sync missed.
type missed struct {
	day      int
	secret   string    // the key it kept
	expires  time.Time // that key's expiry at zot
	notified time.Time // the first notification while it was missed (zero: none)
	fixed    bool
	fixedDay int
}

// metrics are the year's counts.
type metrics struct {
	pushes, refused, unavailable, stale, late int
	badMinutes                                int
	expiredStored                             map[string]bool
	orphanDays                                int
	needNoNote, noteNoNeed                    int
	needDays, notifications                   int
	rotations, handRotations, kills           int
	syncsFailed, syncsHung, writesRefused     int
	faults                                    [nFaults]int
	missedNotifiedBefore                      time.Duration // how long before the missed key's expiry the notification came
	firstRefusals                             []string
	problemDays                               map[int]string
}

type sim struct {
	t         *testing.T
	seed      uint64
	days      int
	rng       *rand.Rand
	clk       *clock
	srv       *zottest.Server
	reg       *zot.Client
	mem       *optest.Memory
	dir       string
	delivered map[string]string
	q         queue
	seq       int
	log       []*dayLog
	cur       *dayLog
	start     time.Time

	deck       []fault // the fault kinds still to come, shuffled
	downUntil  int     // the last day of a registry outage
	armedKill  int     // the stop point the next run dies at (0: none armed)
	writeArmed int     // how many of the daily job's next writes of a new key 1Password refuses
	syncArmed  []fault // syncFails or syncHangs: what the daily job's next syncs do, in turn (none left: they work)
	points     int     // stop points the current run has passed
	killed     bool
	inJob      bool
	quietUntil int // no faults nor hand rotations up to this day (the missed user's window)
	handDays   []int

	missAt     int // the sync's n-th delivery of a new key misses woodpecker (0: already happened)
	deliveries int
	miss       *missed

	nextMinute time.Time
	lastValue  string // the stored key when the last run ended, to count rotations
	seenValue  string // the stored key at the last minute checked
	seenUUID   string
	m          metrics
}

func seed(t *testing.T) uint64 {
	if *seedFlag != 0 {
		return *seedFlag
	}
	if v := os.Getenv("ZOTKEY_SIM_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("ZOTKEY_SIM_SEED=%q is not a number", v)
		}
		return n
	}
	return defaultSeed
}

// A simulated year of zotkey's daily job (internal/auto over internal/driver,
// in-process, the code `zotkey auto` runs) and of `mise run rotate-zot-key`
// by hand (zotkey rotate, then zotkey revoke-previous, through the same
// driver calls as their commands), on a virtual clock, against the
// zot-semantics server, with a CI that pushes with the secret each job read
// at its start for up to 3 hours, faults drawn from the seed, and one CI user
// the sync misses. It asserts, for the whole year:
//
//   - CI pushes refused: 0. A push is a CI job's request to zot with the
//     secret the job read at its start (Forgejo gives a job its secrets when
//     it starts); it is refused when zot answers 401. Pushes while the
//     registry is down are counted apart (nobody's key is judged then).
//   - Minutes in which the stored key does not work: 0. At every minute of
//     the year, the key the store (1Password) holds must be one zot would
//     accept at that minute (not revoked, not expired on zot's clock).
//   - Keys orphaned at the end of any day: 0. At the end of each day, every
//     key zot holds valid for the user is the stored key, or one zotkey's
//     record names (a replaced key, the rotation's key or label, a watched
//     label or uuid): nothing valid is unknown to both (the crash test's
//     invariant, internal/driver/crash_test.go).
//   - Keys expired while stored: 0. No key is still in the store when zot's
//     clock passes its expiry.
//   - Days that needed a person but got no notification: 0, and
//   - notifications on days that did not need one: 0. Whether a day needed a
//     person is decided here from what the simulation saw, never from
//     zotkey's record or decisions. A day needs a person when its daily job
//     was not killed and one of these was so:
//     (a) the job asked the store for the key and the read failed;
//     (b) the job wrote a new key and the store refused it;
//     (c) the job ran the sync and it failed, or ran past sync-timeout;
//     (d) a rotation was due (the stored key, as zot holds it, expires within
//     --within days of the job's start) and the registry was down;
//     (e) the stored key did not work when the job started.
//     A person answers each notification: 4 hours later the cause is fixed
//     (an outage ends; faults still armed are later incidents) and the job
//     is run by hand, judged by the same rule; a notification about the
//     missed user gets its target fixed 2 hours later instead.
//     (ZOTKEY_SIM_NOBODY=1 leaves the other notifications unanswered, to see
//     what zotkey does alone.)
//     A killed run cannot say anything, and the next day's run recovers, so
//     a kill alone never needs a person; nor does a skewed clock, nor a
//     registry down while nothing is due (the next day checks again).
//     The missed user needs a person too, once, from the day the sync missed
//     it until the person fixed it: a notification must come in that window,
//     at least 7 days before the key it holds expires. Notifications in that
//     window count as needed (no other fault is drawn inside it).
//   - Rotations: at least 4 in the year (1 in -short's quarter). A rotation
//     is a change of the key the store holds.
//
// It also shows that the cases it needs happened: every kind of fault, a
// run killed, a sync failed and one hung, a new key refused by the store,
// the missed user, pushes with a replaced key after its successor was
// delivered, and rotations by hand.
func TestSimulatedYear(t *testing.T) {
	s := newSim(t, seed(t))
	began := time.Now()
	s.run()
	s.settle()
	t.Logf("%s", s.table(time.Since(began)))
	s.showDays(os.Getenv("ZOTKEY_SIM_DAYS"))
	s.assert()
}

func newSim(t *testing.T, seed uint64) *sim {
	start, _ := time.Parse(time.RFC3339, yearStart)
	days := 365
	if testing.Short() {
		days = 91
	}
	s := &sim{t: t, seed: seed, days: days, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), clk: &clock{t: start}, start: start,
		delivered: map[string]string{}, nextMinute: start, downUntil: -1}
	s.m.expiredStored = map[string]bool{}
	s.m.problemDays = map[int]string{}
	s.srv = zottest.New()
	t.Cleanup(s.srv.Close)
	s.srv.SetClock(s.clk.zot)
	s.srv.AddUser(user, "password")
	reg, err := zot.New(s.srv.URL, user, 10*time.Second, false)
	if err != nil {
		t.Fatal(err)
	}
	s.reg = reg
	s.dir = recordDir(t)
	secret, _ := s.srv.AddKey(user, start.Add(firstExpiry))
	sec := "sectionzotkeysimaaaaaaaaaa"
	s.mem = &optest.Memory{
		Vaults: []op.VaultOverview{{ID: "vaultzotkeysimaaaaaaaaaaaa", Title: "blumeops"}},
		Items: []op.Item{{ID: "itemzotkeysimaaaaaaaaaaaaa", Title: "Forgejo Secrets", VaultID: "vaultzotkeysimaaaaaaaaaaaa",
			Category: op.ItemCategoryLogin, Version: 1, Sections: []op.ItemSection{{ID: sec, Title: "tokens"}},
			Fields: []op.ItemField{{ID: "fieldzotkeysimaaaaaaaaaaaa", Title: "zot-ci-api", FieldType: op.ItemFieldTypeConcealed, Value: secret, SectionID: &sec}}}},
	}
	s.delivered[forgejo], s.delivered[woodpecker] = secret, secret
	s.lastValue = secret
	// Once in the year the sync misses woodpecker: at its n-th delivery of a
	// new key (not the last rotation of the run, so the year shows the fix).
	s.missAt = 1
	if days > 200 {
		s.missAt = 1 + s.rng.IntN(3)
	}
	// A kill is armed from the start, so the year's first rotation (or the
	// first run after it that gets that far) dies at a random point.
	s.armedKill = 1 + s.rng.IntN(killPoints)
	// Rotations by hand (mise run rotate-zot-key): two in the year, one in a quarter.
	if days > 200 {
		s.handDays = []int{100 + s.rng.IntN(40), 250 + s.rng.IntN(40)}
	} else {
		s.handDays = []int{50 + s.rng.IntN(20)}
	}
	return s
}

// recordDir is where the record lives: tmpfs when there is one (the record
// is synced to disk on every save, thousands of times in a year).
func recordDir(t *testing.T) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "zotkey-sim-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return t.TempDir()
}

func (s *sim) run() {
	for n := range s.days {
		dayStart := s.start.Add(time.Duration(n) * day)
		s.advance(dayStart)
		if n > 0 {
			s.endOfDay()
		}
		s.cur = &dayLog{n: n}
		s.log = append(s.log, s.cur)
		s.drawDay(n, dayStart)
		s.advance(dayStart.Add(jobAt))
		s.dailyJob(dayStart.Add(jobAt), false)
		if i := slices.Index(s.handDays, n); i >= 0 && (s.cur.fault != none || n <= s.quietUntil) {
			s.handDays[i]++ // the person waits for a quiet day
		} else if i >= 0 {
			s.advance(dayStart.Add(time.Duration(10+s.rng.IntN(7))*time.Hour + time.Duration(s.rng.IntN(3600))*time.Second))
			s.handRotate()
		}
	}
	s.advance(s.start.Add(time.Duration(s.days) * day))
	s.endOfDay()
}

// settle lets the CI's last jobs finish (their pushes count).
func (s *sim) settle() {
	s.advance(s.start.Add(time.Duration(s.days)*day + ciTimeout))
}

// drawDay draws the day's fault and CI jobs from the seed, and sets zot's clock.
func (s *sim) drawDay(n int, dayStart time.Time) {
	s.clk.setSkew(0)
	f := none
	due := s.dueAt(dayStart.Add(jobAt))
	p := 0.08
	if due {
		p = 0.45 // faults where they hurt: on the days a rotation is due
	}
	switch {
	case n <= s.downUntil:
		f = registryDown
	case n <= s.quietUntil || n == 0:
	case s.rng.Float64() < p:
		// Kinds come from a shuffled deck, so every kind has its days.
		if len(s.deck) == 0 {
			for k := fault(1); k < nFaults; k++ {
				s.deck = append(s.deck, k, k)
			}
			s.rng.Shuffle(len(s.deck), func(i, j int) { s.deck[i], s.deck[j] = s.deck[j], s.deck[i] })
		}
		f, s.deck = s.deck[0], s.deck[1:]
	}
	switch f {
	case registryDown:
		if n > s.downUntil && s.rng.IntN(5) == 0 {
			s.downUntil = n + 1 + s.rng.IntN(3) // an outage of 2 to 4 days
		}
	case storeUnwritable:
		s.writeArmed++ // a later write of a new key by the daily job is refused
	case syncFails, syncHangs:
		s.syncArmed = append(s.syncArmed, f) // a later sync of the daily job fails, or hangs, in turn
	case killArmed:
		if s.armedKill == 0 {
			s.armedKill = 1 + s.rng.IntN(killPoints)
		}
	case zotSkewed:
		skews := []time.Duration{2 * time.Minute, time.Hour, 5 * time.Hour}
		d := skews[s.rng.IntN(len(skews))]
		if s.rng.IntN(2) == 0 {
			d = -d
		}
		s.clk.setSkew(d)
	}
	s.cur.fault = f
	s.m.faults[f]++
	// The day's CI jobs: Forgejo's several, woodpecker's a few.
	for _, c := range []struct {
		who      string
		min, max int
	}{{forgejo, 6, 12}, {woodpecker, 2, 4}} {
		for range c.min + s.rng.IntN(c.max-c.min+1) {
			at := dayStart.Add(time.Duration(s.rng.Int64N(int64(day))))
			s.schedule(&event{at: at, kind: jobStarts, who: c.who})
		}
	}
}

func (s *sim) schedule(e *event) {
	s.seq++
	e.seq = s.seq
	heap.Push(&s.q, e)
}

// advance moves the clock to `to`, carrying out every event and checking the
// stored key at every minute on the way, in time order.
func (s *sim) advance(to time.Time) {
	for {
		at := s.nextMinute
		var ev *event
		if len(s.q) > 0 && !s.q[0].at.After(at) {
			ev = s.q[0]
			at = ev.at
		}
		if at.After(to) {
			break
		}
		s.clk.to(at)
		if ev != nil {
			heap.Pop(&s.q)
			s.handle(ev)
			continue
		}
		s.minute(at)
		s.nextMinute = at.Add(time.Minute)
	}
	s.clk.to(to)
}

func (s *sim) handle(e *event) {
	switch e.kind {
	case jobStarts:
		secret := s.delivered[e.who]
		for range 1 + s.rng.IntN(3) {
			at := e.at.Add(time.Minute + time.Duration(s.rng.Int64N(int64(ciTimeout-time.Minute))))
			s.schedule(&event{at: at, kind: push, who: e.who, secret: secret})
		}
	case push:
		s.m.pushes++
		if s.srv.Faults().Down {
			s.m.unavailable++
			return
		}
		stale := e.secret != s.storeValue()
		if stale {
			s.m.stale++
		}
		if !s.srv.Use(user, e.secret) {
			s.m.refused++
			if s.missing() && e.who == woodpecker {
				// Its CI went red: the person looks, and fixes the sync's target.
				s.schedule(&event{at: e.at.Add(missRepair), kind: fixSync})
			}
			if len(s.m.firstRefusals) < 8 {
				s.m.firstRefusals = append(s.m.firstRefusals, fmt.Sprintf("day %d %s: %s's push refused (%s)", s.dayOf(e.at), e.at.Format("15:04"), e.who, s.why(e.secret)))
			}
			s.problem(s.dayOf(e.at), "a CI push was refused")
			return
		}
		if stale {
			s.m.late++
		}
	case personActs:
		// What the notification was about is fixed (faults still armed
		// are later incidents); a registry outage ends.
		if s.cur.fault == registryDown {
			s.downUntil = min(s.downUntil, s.dayOf(e.at))
		}
		s.dailyJob(e.at, true)
	case fixSync:
		if s.miss != nil && !s.miss.fixed {
			s.miss.fixed, s.miss.fixedDay = true, s.dayOf(e.at)
			s.delivered[woodpecker] = s.storeValue()
		}
	}
}

// why says why zot refused a key, from what it holds.
func (s *sim) why(secret string) string {
	k, ok := s.srv.Key(s.srv.UUIDOf(secret))
	switch {
	case !ok:
		return "unknown key"
	case k.Revoked:
		return "key " + k.UUID[:8] + " revoked"
	}
	return "key " + k.UUID[:8] + " expired " + k.Expires.Format(time.RFC3339)
}

// minute checks that the stored key works at zot at minute m.
func (s *sim) minute(m time.Time) {
	v := s.storeValue()
	if v != s.seenValue || s.seenUUID == "" {
		s.seenValue, s.seenUUID = v, s.srv.UUIDOf(v)
	}
	k, ok := s.srv.Key(s.seenUUID)
	zotNow := m.Add(s.clk.getSkew())
	expired := ok && !k.Expires.IsZero() && !zotNow.Before(k.Expires)
	if !ok || k.Revoked || expired {
		s.m.badMinutes++
		s.problem(s.dayOf(m), "the stored key did not work")
		if expired {
			s.m.expiredStored[s.seenUUID] = true
		}
	}
}

func (s *sim) dayOf(t time.Time) int { return int(t.Sub(s.start) / day) }

func (s *sim) problem(n int, what string) {
	if _, ok := s.m.problemDays[n]; !ok {
		s.m.problemDays[n] = what
	}
}

// storeValue is what 1Password holds (read past the fake's faults: this is
// the simulation looking, not a client).
func (s *sim) storeValue() string { return s.mem.Items[0].Fields[0].Value }

// dueAt says whether a rotation is due at t, from what zot holds of the
// stored key: it expires within --within days.
func (s *sim) dueAt(t time.Time) bool {
	k, ok := s.srv.Key(s.srv.UUIDOf(s.storeValue()))
	return ok && !k.Expires.IsZero() && k.Expires.Sub(t) <= within*day
}

// worksAt says whether zot accepts the stored key at local time t.
func (s *sim) worksAt(t time.Time) bool {
	k, ok := s.srv.Key(s.srv.UUIDOf(s.storeValue()))
	return ok && !k.Revoked && (k.Expires.IsZero() || t.Add(s.clk.getSkew()).Before(k.Expires))
}

// endOfDay checks that nothing is orphaned, and judges the day just ended.
func (s *sim) endOfDay() {
	d := s.cur
	st, err := record.Open(s.dir, s.srv.URL, user).Load()
	if err != nil && !errors.Is(err, record.ErrNone) {
		s.t.Fatalf("day %d: the record: %v\n%s", d.n, err, strings.Join(d.lines, "\n"))
	}
	stored := s.srv.UUIDOf(s.storeValue())
	orphans := 0
	for _, id := range s.srv.ValidKeys(user) {
		label := s.srv.LabelOf(id)
		switch {
		case id == stored, st.Current != nil && id == st.Current.UUID:
		case slices.ContainsFunc(st.Replaced, func(r lifecycle.Replaced) bool { return r.UUID == id }):
		case st.Rotation != nil && (id == st.Rotation.NewUUID || label == st.Rotation.Label):
		case slices.ContainsFunc(st.Watch, func(w lifecycle.Watch) bool { return w.Matches(label, id) }):
		default:
			orphans++
		}
	}
	if orphans > 0 {
		s.m.orphanDays++
		s.problem(d.n, fmt.Sprintf("%d key(s) orphaned", orphans))
	}
}

// beginRun resets what one zotkey process would start with.
func (s *sim) beginRun() {
	s.points, s.killed = 0, false
}

// after ends an effect on the world (a mint, a revocation, a write of the
// store or the record, a sync) at a stop point: when the run is killed there
// the effect has happened, but the run gets errKilled and, dead, does
// nothing more. err is the effect's own result otherwise.
func (s *sim) after(point string, err error) error {
	if kill := s.stop(point); kill != nil {
		return kill
	}
	return err
}

// stop is a stop point after an effect on the world (the simulation's own,
// as internal/driver's stop points are the crash test's): an armed kill
// ends the next run that reaches its drawn point there, whatever else the
// day brings, and a killed run stays dead.
func (s *sim) stop(point string) error {
	if s.killed {
		return errKilled
	}
	s.points++
	if s.armedKill > 0 && s.points == s.armedKill && s.cur.n > s.quietUntil {
		s.killed, s.armedKill = true, 0
		s.cur.killed = point
		s.m.kills++
		return errKilled
	}
	return nil
}

func (s *sim) say(format string, args ...any) {
	if !s.killed {
		s.cur.lines = append(s.cur.lines, s.clk.Now().Format("15:04:05")+" "+fmt.Sprintf(format, args...))
	}
}

func (s *sim) notify(title, msg string) {
	if s.killed {
		return // a dead process posts nothing
	}
	s.cur.notes = append(s.cur.notes, msg)
	if s.missing() && s.clk.Now().Before(s.miss.expires) {
		if s.miss.notified.IsZero() {
			s.miss.notified = s.clk.Now()
		}
		// The person reads it, fixes the sync's target, and delivers the key.
		s.schedule(&event{at: s.clk.Now().Add(missRepair), kind: fixSync})
		return
	}
	if !s.cur.personComing && os.Getenv("ZOTKEY_SIM_NOBODY") == "" {
		// The person reads it, fixes what the job's log names, and runs
		// the job by hand (the notification's "then run: zotkey auto").
		s.cur.personComing = true
		s.schedule(&event{at: s.clk.Now().Add(personDelay), kind: personActs})
	}
}

// missing says the sync misses a user now.
func (s *sim) missing() bool { return s.miss != nil && !s.miss.fixed }

// The pieces a zotkey process is made of, as the daily job and the commands
// build them (driver.Session.Open), over the simulation's fakes. Once a run is
// killed, its registry, store and record refuse everything, as a dead
// process does nothing more.

type simRegistry struct{ s *sim }

func (r simRegistry) Check(ctx context.Context, k key.Key) error {
	if r.s.killed {
		return errKilled
	}
	return r.s.reg.Check(ctx, k)
}

func (r simRegistry) List(ctx context.Context, auth key.Key) ([]zot.APIKey, error) {
	if r.s.killed {
		return nil, errKilled
	}
	return r.s.reg.List(ctx, auth)
}

func (r simRegistry) Create(ctx context.Context, current key.Key, label string, scopes []string, expires time.Time) (zot.Created, error) {
	if r.s.killed {
		return zot.Created{}, errKilled
	}
	c, err := r.s.reg.Create(ctx, current, label, scopes, expires)
	return c, r.s.after("minted", err)
}

func (r simRegistry) Revoke(ctx context.Context, auth key.Key, id string) error {
	if r.s.killed {
		return errKilled
	}
	return r.s.after("revoked "+id, r.s.reg.Revoke(ctx, auth, id))
}

// simStore is the 1Password item field over the in-memory SDK fake, noting
// failed reads and writes for the oracle.
type simStore struct {
	s *sim
	f *onepassword.Field
}

func (st *simStore) String() string { return st.f.String() }

func (st *simStore) Get(ctx context.Context) (string, error) {
	if st.s.killed {
		return "", errKilled
	}
	v, err := st.f.Get(ctx)
	if err != nil && st.s.inJob {
		st.s.cur.readFailed = true
	}
	return v, err
}

func (st *simStore) Set(ctx context.Context, v string) error {
	if st.s.killed {
		return errKilled
	}
	if st.s.inJob && st.s.writeArmed > 0 {
		// 1Password refuses this write (the connection drops).
		st.s.writeArmed--
		st.s.mem.Faults.Put = "error sending request for url (https://my.1password.com/api/v2/item): connection reset by peer"
		defer func() { st.s.mem.Faults.Put = "" }()
	}
	err := st.f.Set(ctx, v)
	if err != nil && st.s.inJob {
		st.s.cur.writeFailed = true
	}
	return st.s.after("stored", err)
}

func (st *simStore) Writable(ctx context.Context) error {
	if st.s.killed {
		return errKilled
	}
	return st.f.Writable(ctx)
}

type simRecord struct {
	s *sim
	*record.File
}

func (r simRecord) Save(st lifecycle.State) error {
	if r.s.killed {
		return errKilled
	}
	return r.s.after("saved", r.File.Save(st))
}

func (s *sim) record() simRecord { return simRecord{s, record.Open(s.dir, s.srv.URL, user)} }

func (s *sim) driver(rec driver.Record, st lifecycle.State) *driver.Driver {
	mem := s.mem
	store := &simStore{s: s, f: &onepassword.Field{Client: func(context.Context) (onepassword.API, error) { return mem, nil },
		Vault: "blumeops", Item: "Forgejo Secrets", Field: "zot-ci-api"}}
	// sync-timeout runs on real time in the driver: a millisecond for a run
	// whose sync will hang (the hanging sync waits for it), else the default,
	// which the simulation's syncs never come near.
	timeout := syncTimeout
	if i := s.nextSyncFault(); s.inJob && i >= 0 && s.syncArmed[i] == syncHangs {
		timeout = time.Millisecond
	}
	sync := func(ctx context.Context, secrets []string, lock *os.File) error {
		return s.after("sync ran", s.sync(ctx, secrets, lock))
	}
	return &driver.Driver{Reg: simRegistry{s}, Store: store, Rec: rec, State: st, Sync: sync, SyncTimeout: timeout,
		Now: s.clk.Now, Say: s.say}
}

// nextSyncFault is the index in syncArmed of the fault the daily job's next
// sync meets (-1: none): the kind seen less so far, so the year has both.
func (s *sim) nextSyncFault() int {
	if len(s.syncArmed) == 0 {
		return -1
	}
	want := syncFails
	if s.m.syncsHung < s.m.syncsFailed {
		want = syncHangs
	}
	return max(slices.Index(s.syncArmed, want), 0)
}

// sync is the user's sync (mise run provision-indri): it reads the key from
// 1Password and delivers it to Forgejo's and woodpecker's secrets, taking a
// few minutes, during which the CI goes on.
func (s *sim) sync(ctx context.Context, secrets []string, lock *os.File) error {
	start := s.clk.Now()
	if s.inJob && len(s.syncArmed) > 0 {
		// The kind seen less so far goes first, so the year has both.
		i := s.nextSyncFault()
		f := s.syncArmed[i]
		s.syncArmed = slices.Delete(s.syncArmed, i, i+1)
		s.cur.syncFault = f
		switch f {
		case syncFails:
			s.m.syncsFailed++
			s.advance(start.Add(20 * time.Second))
			s.cur.syncFailed = true
			return errors.New("the sync failed: exit status 2")
		case syncHangs:
			s.m.syncsHung++
			s.advance(start.Add(time.Minute))
			if s.rng.IntN(2) == 0 {
				s.deliver(forgejo) // it hung after delivering one target
			}
			// It hangs until the driver's sync-timeout stops it: on this
			// run that is a millisecond of real time (see driver), standing
			// for the 30 virtual minutes, which pass once it is stopped.
			<-ctx.Done()
			s.advance(start.Add(syncTimeout))
			s.cur.syncFailed = true
			return fmt.Errorf("the sync was stopped: %w", ctx.Err())
		}
	}
	dur := time.Duration(1+s.rng.IntN(4)) * time.Minute
	s.advance(start.Add(dur / 2))
	s.deliver(forgejo)
	s.deliver(woodpecker)
	s.advance(start.Add(dur))
	return nil
}

// deliver puts the key 1Password holds into a consumer's secrets, unless the
// sync misses that consumer (once in the year, woodpecker, until fixed).
func (s *sim) deliver(who string) {
	v := s.storeValue()
	if who == forgejo && v != s.delivered[forgejo] {
		s.deliveries++
		if s.deliveries == s.missAt && s.miss == nil {
			k, _ := s.srv.Key(s.srv.UUIDOf(s.delivered[woodpecker]))
			s.miss = &missed{day: s.cur.n, secret: s.delivered[woodpecker], expires: k.Expires}
			s.quietUntil = s.cur.n + int((k.Expires.Sub(s.clk.Now())+day-1)/day) // no other fault until that key expires
		}
	}
	if who == woodpecker && s.miss != nil && !s.miss.fixed {
		return
	}
	s.delivered[who] = v
}

// dailyJob is `zotkey auto`: at 03:00 with the day's fault, or by hand
// (byHand) once a person fixed what a notification named.
func (s *sim) dailyJob(at time.Time, byHand bool) {
	d := s.cur
	s.beginRun()
	if byHand {
		s.say("by hand: zotkey auto")
	}
	s.inJob = true
	defer func() { s.inJob = false }()
	dueAtStart := s.dueAt(at)
	worksAtStart := s.worksAt(at)
	switch {
	case byHand:
	case d.fault == registryDown:
		s.srv.SetFaults(zottest.Faults{Down: true})
	case d.fault == storeUnreadable:
		const offline = "error sending request for url (https://my.1password.com/api/v2/vault): connection refused"
		s.mem.Faults = optest.Faults{ListVaults: offline, ListItems: offline, Get: offline, Put: offline}
	}
	rec := s.record()
	job := &auto.Job{
		Open:   func() (*driver.Run, error) { return driver.Lock(rec, s.driver(rec, lifecycle.State{})) },
		Within: within, Lifetime: lifetime, Quiet: unusedFor, StaleAfter: staleAfter, CheckEvery: auto.CheckEvery(0, false), HasSync: true,
		Commands: auto.Commands{Retry: "zotkey auto (or zot-rotate --auto)", Manual: "mise run rotate-zot-key --manual (zot-rotate --manual)", SignIn: auto.SignInTodo(false)},
		Now:      s.clk.Now, Out: lineWriter{s}, Say: s.say, Notify: s.notify, Classify: auto.Classify,
	}
	err := job.Run(context.Background())
	if err != nil && !s.killed {
		s.say("the job: %v", err)
	}
	s.srv.SetFaults(zottest.Faults{})
	s.mem.Faults = optest.Faults{}
	s.countRotation()

	// The oracle: did this day need a person? From what the simulation saw.
	if s.killed {
		return
	}
	if d.readFailed {
		d.need("(a) the store could not be read")
	}
	if d.writeFailed {
		s.m.writesRefused++
		d.need("(b) the store refused the new key")
	}
	if d.syncFailed {
		d.need("(c) the sync failed or hung")
	}
	if dueAtStart && d.fault == registryDown && !byHand {
		d.need("(d) a rotation was due and the registry was down")
	}
	if !worksAtStart {
		d.need("(e) the stored key did not work")
	}
}

// lineWriter takes the job's outcome line.
type lineWriter struct{ s *sim }

func (w lineWriter) Write(p []byte) (int, error) {
	w.s.say("%s", strings.TrimSpace(string(p)))
	return len(p), nil
}

// handRotate is `mise run rotate-zot-key` by hand: zotkey rotate with the
// sync, then zotkey revoke-previous, each a process of its own, through the
// driver calls their commands make (internal/cli rotate.go, revoke_previous.go).
func (s *sim) handRotate() {
	s.cur.hand = true
	s.m.handRotations++
	s.beginRun()
	ctx := context.Background()
	s.say("by hand: zotkey rotate")
	err := func() error {
		rec := s.record()
		if err := rec.Lock(); err != nil {
			return err
		}
		defer rec.Unlock()
		st, err := rec.Load()
		if err != nil && !errors.Is(err, record.ErrNone) {
			return err
		}
		d := s.driver(rec, st)
		o, err := d.Observe(ctx, false)
		switch {
		case err != nil:
			return err
		case o.CheckErr != nil:
			return o.CheckErr
		case o.ListErr != nil:
			return o.ListErr
		}
		// Replaced keys past their wait go in the same run (rotate.go).
		dec := d.Decide(lifecycle.Ask{Rotate: true, Revoke: true, Policy: lifecycle.Policy{UnusedFor: unusedFor, Sync: true}})
		if dec.Blocked != "" {
			return errors.New(dec.Blocked)
		}
		return d.Execute(ctx, dec.Effects, driver.Mint{Expires: s.clk.Now().Add(lifetime).UTC().Truncate(time.Second)})
	}()
	s.countRotation()
	if err != nil {
		s.say("zotkey rotate: %v", err)
		return
	}
	s.beginRun()
	s.say("by hand: zotkey revoke-previous")
	err = func() error {
		rec := s.record()
		if err := rec.Lock(); err != nil {
			return err
		}
		defer rec.Unlock()
		st, err := rec.Load()
		if err != nil {
			return err
		}
		d := s.driver(rec, st)
		o, err := d.Observe(ctx, false)
		switch {
		case err != nil:
			return err
		case o.CheckErr != nil:
			return o.CheckErr
		case o.ListErr != nil:
			return o.ListErr
		}
		dec := d.Decide(lifecycle.Ask{Revoke: true, Policy: lifecycle.Policy{UnusedFor: unusedFor}})
		if dec.Blocked != "" {
			return errors.New(dec.Blocked)
		}
		for _, k := range dec.Kept {
			s.say("%s", k)
		}
		return d.Execute(ctx, dec.Effects, driver.Mint{})
	}()
	if err != nil {
		s.say("zotkey revoke-previous: %v", err)
	}
}

func (s *sim) countRotation() {
	if v := s.storeValue(); v != s.lastValue {
		s.m.rotations++
		s.lastValue = v
	}
}

// judge counts the days that needed a person against the notifications.
func (s *sim) judge() {
	inMiss := func(n int) bool {
		m := s.miss
		return m != nil && n >= m.day && n <= s.dayOf(m.expires) && (!m.fixed || n <= m.fixedDay)
	}
	for _, d := range s.log {
		s.m.notifications += len(d.notes)
		if len(d.needs) > 0 {
			s.m.needDays++
		}
		switch {
		case len(d.needs) > 0 && len(d.notes) == 0:
			s.m.needNoNote++
			s.problem(d.n, "needed a person, no notification: "+strings.Join(d.needs, "; "))
		case len(d.needs) == 0 && len(d.notes) > 0 && !inMiss(d.n):
			s.m.noteNoNeed++
			s.problem(d.n, "a notification nobody needed: "+d.notes[0])
		}
	}
	if m := s.miss; m != nil {
		s.m.needDays++
		if m.notified.IsZero() || m.expires.Sub(m.notified) < notice {
			s.m.needNoNote++
			s.problem(m.day, "the missed user was not notified 7 days before its key expired")
		}
		if !m.notified.IsZero() {
			s.m.missedNotifiedBefore = m.expires.Sub(m.notified)
		}
	}
}

func (s *sim) table(took time.Duration) string {
	s.judge()
	var b strings.Builder
	row := func(name string, v any) { fmt.Fprintf(&b, "  %-58s %v\n", name, v) }
	fmt.Fprintf(&b, "simulated %d days, seed %d (replay: go test ./internal/sim -run TestSimulatedYear -v -seed %d), in %s\n", s.days, s.seed, s.seed, took.Round(time.Millisecond))
	row("CI pushes refused", s.m.refused)
	row("minutes in which the stored key does not work", s.m.badMinutes)
	row("days ending with a key orphaned", s.m.orphanDays)
	row("keys expired while stored", len(s.m.expiredStored))
	row("days that needed a person but got no notification", s.m.needNoNote)
	row("notifications on days that did not need one", s.m.noteNoNeed)
	row("rotations", fmt.Sprintf("%d (%d by hand)", s.m.rotations, s.m.handRotations))
	b.WriteString("  --\n")
	row("CI pushes", s.m.pushes)
	row("  with a replaced key after its successor's sync", s.m.stale)
	row("    of which accepted", s.m.late)
	row("  while the registry was down", s.m.unavailable)
	row("days that needed a person", s.m.needDays)
	row("notifications", s.m.notifications)
	for f := fault(1); f < nFaults; f++ {
		v := fmt.Sprint(s.m.faults[f])
		switch f {
		case killArmed:
			v += fmt.Sprintf(" (%d runs killed)", s.m.kills)
		case syncFails:
			v += fmt.Sprintf(" (%d syncs failed)", s.m.syncsFailed)
		case syncHangs:
			v += fmt.Sprintf(" (%d syncs hung)", s.m.syncsHung)
		case storeUnwritable:
			v += fmt.Sprintf(" (%d new keys refused)", s.m.writesRefused)
		}
		row("fault days: "+f.String(), v)
	}
	if m := s.miss; m != nil {
		v := fmt.Sprintf("missed on day %d; its key expires %s; ", m.day, m.expires.Format("2006-01-02"))
		if m.notified.IsZero() {
			v += "never notified"
		} else {
			v += fmt.Sprintf("notified %s, %.1f days before", m.notified.Format("2006-01-02 15:04"), s.m.missedNotifiedBefore.Hours()/24)
		}
		row("the user the sync missed", v)
	}
	for _, r := range s.m.firstRefusals {
		b.WriteString("  refused: " + r + "\n")
	}
	return b.String()
}

func (s *sim) assert() {
	t := s.t
	check := func(name string, got int, ok bool) {
		if !ok {
			t.Errorf("%s: %d", name, got)
		}
	}
	minRotations := 4
	if s.days < 200 {
		minRotations = 1
	}
	check("CI pushes refused", s.m.refused, s.m.refused == 0)
	check("minutes in which the stored key does not work", s.m.badMinutes, s.m.badMinutes == 0)
	check("days ending with a key orphaned", s.m.orphanDays, s.m.orphanDays == 0)
	check("keys expired while stored", len(s.m.expiredStored), len(s.m.expiredStored) == 0)
	check("days that needed a person but got no notification", s.m.needNoNote, s.m.needNoNote == 0)
	check("notifications on days that did not need one", s.m.noteNoNeed, s.m.noteNoNeed == 0)
	check("rotations", s.m.rotations, s.m.rotations >= minRotations)

	// The cases the year needs really happened.
	if s.m.stale == 0 {
		t.Error("no CI push used a replaced key after its successor's sync: the case the rule is for never happened")
	}
	if s.miss == nil {
		t.Error("the sync never missed a user")
	}
	if s.m.handRotations == 0 {
		t.Error("nobody rotated by hand")
	}
	if !testing.Short() {
		for f := fault(1); f < nFaults; f++ {
			if s.m.faults[f] == 0 {
				t.Errorf("no day had the fault %q", f)
			}
		}
		if s.m.kills == 0 {
			t.Error("no run was killed")
		}
		if s.m.writesRefused == 0 {
			t.Error("1Password never refused a new key")
		}
		if s.m.syncsFailed == 0 || s.m.syncsHung == 0 {
			t.Errorf("the daily job's sync failed %d times and hung %d times: each must happen", s.m.syncsFailed, s.m.syncsHung)
		}
	}
	if t.Failed() {
		s.showProblems()
	}
}

// showDays logs what zotkey said on the days from-to ("200-210"; "" none),
// to follow a replayed seed.
func (s *sim) showDays(span string) {
	if span == "" {
		return
	}
	var from, to int
	if _, err := fmt.Sscanf(span, "%d-%d", &from, &to); err != nil {
		s.t.Fatalf("ZOTKEY_SIM_DAYS=%q: want FROM-TO, e.g. 200-210", span)
	}
	for n := max(from, 0); n <= to && n < len(s.log); n++ {
		s.showDay(n, "")
	}
}

func (s *sim) showDay(n int, why string) {
	d := s.log[n]
	killed := ""
	if d.killed != "" {
		killed = ", killed at " + d.killed
	}
	if d.syncFault != none {
		killed += ", the sync: " + d.syncFault.String()
	}
	s.t.Logf("day %d (%s, fault: %s%s): %s needs %q, notified %q\n    %s", n, s.start.Add(time.Duration(n)*day).Format("2006-01-02"), d.fault,
		killed, why, d.needs, d.notes, strings.Join(d.lines, "\n    "))
}

// showProblems logs what zotkey said on the first days that went wrong.
func (s *sim) showProblems() {
	var days []int
	for n := range s.m.problemDays {
		days = append(days, n)
	}
	slices.Sort(days)
	for i, n := range days {
		if i == 6 {
			s.t.Logf("… and %d more days", len(days)-i)
			break
		}
		if n >= len(s.log) {
			continue
		}
		s.showDay(n, s.m.problemDays[n]+";")
	}
}
