package account_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore"
)

const importHeader = "Display Name,Email Address,First Name,Roles,Scope,Teams,Agent IDs,Primary Phone Number,Additional Phone Numbers,Extension,Voice Location\n"

// importFixtures gives the tenant a team, a location, an account node and
// two parked numbers.
func (e *env) importFixtures() {
	e.t.Helper()
	_, err := e.svc.CreateTeam(e.ctx(), e.op(), e.tenant, store.Team{Name: "Support"})
	ok(e.t, "team", err)
	_, err = e.svc.CreateLocation(e.ctx(), e.op(), e.tenant, store.Location{Name: "Berlin"})
	ok(e.t, "location", err)
	_, err = e.svc.CreateNode(e.ctx(), e.op(), e.tenant, "", "EMEA", "")
	ok(e.t, "node", err)
	for _, n := range []string{"+15552010001", "+15552010002"} {
		_, err = e.svc.ParkNumber(e.ctx(), e.op(), e.tenant, n)
		ok(e.t, "park", err)
	}
}

// TestCheckImportRules: each validation rule reports its row and column;
// a row breaking none reports nothing.
func TestCheckImportRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		e.importFixtures()
		file := importHeader +
			"Good,good@example.com,G,Agent;Team Leader,EMEA,Support,voice:1,1 (555) 201-0001,1.555.201.0002,2001,Berlin\n" + // row 2
			",nodisplay@example.com,,,,,,,,,\n" + // 3
			"No Email,,,,,,,,,,\n" + // 4
			"Bad Email,not-an-email,,,,,,,,,\n" + // 5
			"Dup,GOOD@example.com,,,,,,,,,\n" + // 6
			"Short Number,short@example.com,,,,,,555-201-0009,,,\n" + // 7
			"Toll Free,tf@example.com,,,,,,1-800-555-0100,,,\n" + // 8
			"Dup Number,dupnum@example.com,,,,,,15552010001,,,\n" + // 9
			"Bad Ext,ext@example.com,,,,,,,,12a,\n" + // 10
			"Dup Ext,dupext@example.com,,,,,,,,2001,\n" + // 11
			"Bad Role,role@example.com,,Wizard,,,,,,,\n" + // 12
			"Owner,owner2@example.com,,Owner,,,,,,,\n" + // 13
			"Bad Scope,scope@example.com,,Agent,Atlantis,,,,,,\n" + // 14
			"Scope Alone,scope2@example.com,,,EMEA,,,,,,\n" + // 15
			"Bad Team,team@example.com,,,,Ghosts,,,,,\n" + // 16
			"Bad Location,loc@example.com,,,,,,,,,Mars\n" + // 17
			"Agent IDs no Agent,aid@example.com,,Reports,,,voice:2,,,,\n" + // 18
			"Bad Agent ID,aid2@example.com,,Agent,,,novalue,,,,\n" + // 19
			"Bad Additional,add@example.com,,,,,,,12;1 555 201 0003,,\n" // 20
		_, err := e.svc.ValidateImport(e.ctx(), e.op(), e.tenant, "users.csv", []byte(file))
		wantKind(t, "validate", err, account.Invalid, "problems")
		ps := account.ProblemsOf(err)
		for _, c := range []struct {
			row       int
			col, frag string
		}{
			{3, account.ColDisplayName, "mandatory"},
			{4, account.ColEmail, "mandatory"},
			{5, account.ColEmail, "not an email"},
			{6, account.ColEmail, "also in row 2"},
			{7, account.ColPrimaryPhone, "leading 1"},
			{8, account.ColPrimaryPhone, "toll-free"},
			{9, account.ColPrimaryPhone, "also in row 2"},
			{10, account.ColExtension, "2 to 8 digits"},
			{11, account.ColExtension, "also in row 2"},
			{12, account.ColRoles, "not a role"},
			{13, account.ColRoles, "Owner"},
			{14, account.ColScope, "not an account node"},
			{15, account.ColScope, "fill in Roles"},
			{16, account.ColTeams, "not a team"},
			{17, account.ColLocation, "not a voice location"},
			{18, account.ColAgentIDs, "Agent role"},
			{19, account.ColAgentIDs, "system:value"},
			{20, account.ColOtherPhones, "not a full phone number"},
		} {
			if !hasProblem(ps, c.row, c.col, c.frag) {
				t.Errorf("no problem at row %d, %s saying %q", c.row, c.col, c.frag)
			}
		}
		for _, p := range ps {
			if p.Row == 2 {
				t.Errorf("the good row has a problem: %s", p)
			}
		}
		if n, _ := e.st.ImportJobs(e.ctx(), e.tenant, 0); len(n) != 0 {
			t.Errorf("validation made a job")
		}
	})
}

func (e *env) runImport(file string, opts account.ImportOptions) (store.ImportJob, []account.ImportResult) {
	e.t.Helper()
	j, err := e.svc.StartImport(e.ctx(), e.op(), e.tenant, "users.csv", []byte(file), opts)
	ok(e.t, "start", err)
	j, err = e.svc.WaitImport(e.ctx(), e.tenant, j.ID)
	ok(e.t, "wait", err)
	_, res, err := e.svc.ImportResults(e.ctx(), e.op(), e.tenant, j.ID)
	ok(e.t, "results", err)
	return j, res
}

// TestImportJob: a file imports through the account layer (grants, teams,
// agent IDs, voice, audit records, password mails); importing it again
// creates nobody and says which rows exist; a row the domain refuses
// comes back in the failed rows' CSV, which imports once fixed.
func TestImportJob(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		e.importFixtures()
		file := importHeader +
			"Ada,ada@example.com,Ada,Agent;Team Leader,EMEA,Support,voice:1,1 (555) 201-0001,,2001,Berlin\n" +
			"Bob,bob@example.com,Bob,,,,,,,,\n" +
			"\"Lovelace, Cy\",cy@example.com,Cy,,,,,1-555-201-0005,,,\n" // not parked
		j, res := e.runImport(file, account.ImportOptions{})
		if j.State != store.ImportDone || j.Total != 3 || j.Created != 2 || j.Failed != 1 {
			t.Fatalf("job %+v, want done with 2 created and 1 failed", j)
		}
		if res[0].Status != "created" || res[0].UserID == "" || res[2].Status != "not created" || !strings.Contains(res[2].Reason, "not parked") {
			t.Errorf("results %+v", res)
		}
		ada := e.get(res[0].UserID)
		if ada.State != store.StateActive || ada.Source != store.SourceImport || ada.Domain.Voice == nil || ada.Domain.Voice.Extension != "2001" ||
			ada.Domain.Voice.PrimaryNumber != "+15552010001" || len(ada.Domain.AgentIDs) != 1 || len(ada.Domain.Teams) != 1 || ada.PasswordHash == "" {
			t.Errorf("ada = %+v / %+v", ada, ada.Domain)
		}
		if keys := e.roleKeys(ada.ID); len(keys) != 2 {
			t.Errorf("ada's roles %v", keys)
		}
		if n := e.jobCreations(); n != 2 {
			t.Errorf("%d user.created audit records by the job, want 2", n)
		}
		mails, _ := e.st.Reader().Mails(e.ctx(), e.tenant, 0)
		var pw string
		for _, m := range mails {
			if m.To == "ada@example.com" {
				_, after, _ := strings.Cut(m.Body, "Temporary password: ")
				pw, _, _ = strings.Cut(after, "\n")
			}
		}
		if account.CheckPassword(pw) != nil || !account.VerifyPassword(ada.PasswordHash, pw) {
			t.Errorf("ada's mailed password %q does not meet the policy or does not sign in", pw)
		}

		// The failed row, fixed, imports again.
		failed, err := e.svc.FailedRowsCSV(e.ctx(), e.op(), e.tenant, j.ID)
		ok(t, "failed rows", err)
		f, ps := account.ParseImport("failed.csv", failed)
		if len(ps) > 0 || len(f.Rows) != 1 || f.Get(f.Rows[0], account.ColDisplayName) != "Lovelace, Cy" || len(f.Header) != len(account.ImportColumns) {
			t.Fatalf("failed rows CSV:\n%s\n%v", failed, ps)
		}
		_, err = e.svc.ParkNumber(e.ctx(), e.op(), e.tenant, "+15552010005")
		ok(t, "park", err)
		j2, _ := e.runImport(string(failed), account.ImportOptions{})
		if j2.Created != 1 || j2.Failed != 0 {
			t.Errorf("re-import of the fixed row: %+v", j2)
		}

		// The same file again creates nobody and says which rows exist.
		j3, res := e.runImport(file, account.ImportOptions{})
		if j3.Created != 0 || j3.Failed != 3 {
			t.Errorf("the same file again: %+v", j3)
		}
		for _, r := range res {
			if !strings.Contains(r.Reason, "exists already") {
				t.Errorf("row %d: reason %q, want that the user exists", r.Row, r.Reason)
			}
		}
		if !strings.Contains(res[0].Reason, ada.ID) {
			t.Errorf("reason %q does not name the existing user %s", res[0].Reason, ada.ID)
		}
	})
}

// TestImportPasswordsAndState: Invited users, passwords to one address
// (one mail per user), or no passwords at all.
func TestImportPasswordsAndState(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		file := "Display Name,Email Address\nA,a@example.com\nB,b@example.com\n"
		_, res := e.runImport(file, account.ImportOptions{State: store.StateInvited, Passwords: account.PasswordsToAddress, Address: "it@example.com"})
		mails, _ := e.st.Reader().Mails(e.ctx(), e.tenant, 0)
		n := 0
		for _, m := range mails {
			if m.To == "it@example.com" {
				n++
			}
		}
		if n != 2 || e.get(res[0].UserID).State != store.StateInvited {
			t.Errorf("%d mails to the address, want 2; state %s", n, e.get(res[0].UserID).State)
		}
		_, res = e.runImport("Display Name,Email Address\nC,c@example.com\n", account.ImportOptions{Passwords: account.PasswordsNone})
		if u := e.get(res[0].UserID); u.PasswordHash != "" {
			t.Errorf("a user imported without passwords has one")
		}
		if after, _ := e.st.Reader().Mails(e.ctx(), e.tenant, 0); len(after) != len(mails) {
			t.Errorf("passwords not sent, yet %d mails were queued", len(after)-len(mails))
		}
		_, err := e.svc.StartImport(e.ctx(), e.op(), e.tenant, "f.csv", []byte(file), account.ImportOptions{Passwords: account.PasswordsToAddress})
		wantKind(t, "no address", err, account.Invalid, "address")
		_, err = e.svc.StartImport(e.ctx(), e.op(), e.tenant, "f.csv", []byte(file), account.ImportOptions{State: "inactive"})
		wantKind(t, "bad state", err, account.Invalid)
	})
}

// jobCreations counts the user.created audit records an import job made.
func (e *env) jobCreations() int {
	n := 0
	for _, a := range e.audit(account.ActUserCreated) {
		if a.ActorKind == string(account.ActorJob) {
			n++
		}
	}
	return n
}

// heldJob makes a job as a server that went away would have left it:
// running, one row already created (its user exists), the rest pending.
func (e *env) heldJob(state string, rows int) (store.ImportJob, string) {
	e.t.Helper()
	return e.heldJobNamed(state, rows, "held")
}

func (e *env) heldJobNamed(state string, rows int, prefix string) (store.ImportJob, string) {
	e.t.Helper()
	j := store.ImportJob{TenantID: e.tenant, State: state, FileName: "users.csv", Header: []string{account.ColDisplayName, account.ColEmail},
		Options: `{"options":{"state":"active","passwords":"none"},"actor":{"Kind":"operator","Name":"operator","Authority":"operator"}}`}
	var rs []store.ImportRow
	for i := range rows {
		rs = append(rs, store.ImportRow{Row: i + 2, Values: []string{fmt.Sprint("User ", i), fmt.Sprintf("%s%d@example.com", prefix, i)}})
	}
	ok(e.t, "job", e.st.CreateImportJob(e.ctx(), &j, rs))
	first := e.user(prefix + "0") // <prefix>0@example.com
	ok(e.t, "finish", e.st.InTx(e.ctx(), func(tx store.Tx) error {
		return tx.FinishImportRow(e.ctx(), e.tenant, j.ID, 2, store.RowCreated, first, "")
	}))
	return j, first
}

// TestImportOneJobAtATime: while a job runs, another start is a Conflict
// naming it.
func TestImportOneJobAtATime(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		j, _ := e.heldJob(store.ImportRunning, 2)
		_, err := e.svc.StartImport(e.ctx(), e.op(), e.tenant, "f.csv", []byte("Display Name,Email Address\nA,a@example.com\n"), account.ImportOptions{})
		wantKind(t, "second start", err, account.Conflict, "already running", j.ID)
	})
}

// TestImportRestart: a restarted server resumes a job left running,
// creating only the rows not yet created; or marks it interrupted.
func TestImportRestart(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		j, first := e.heldJob(store.ImportRunning, 3)
		svc := account.New(account.Config{Store: e.st, PasswordCost: 4}) // the new server
		n, err := svc.ResumeImports(e.ctx(), true)
		ok(t, "resume", err)
		if n != 1 {
			t.Fatalf("resumed %d jobs, want 1", n)
		}
		got, err := svc.WaitImport(e.ctx(), e.tenant, j.ID)
		ok(t, "wait", err)
		if got.State != store.ImportDone || got.Created != 3 || got.Failed != 0 {
			t.Errorf("resumed job %+v, want done with 3 created (none twice)", got)
		}
		rows, _ := e.st.ImportRows(e.ctx(), e.tenant, j.ID, "")
		if rows[0].UserID != first {
			t.Errorf("row 2 was created again: %s, want %s", rows[0].UserID, first)
		}
		if n := e.jobCreations(); n != 2 {
			t.Errorf("the resumed job created %d users, want the 2 pending", n)
		}

		e2 := newEnv(t, "sqlite")
		j2, _ := e2.heldJob(store.ImportQueued, 2)
		_, err = account.New(account.Config{Store: e2.st}).ResumeImports(e2.ctx(), false)
		ok(t, "interrupt", err)
		_, res, err := e2.svc.ImportResults(e2.ctx(), e2.op(), e2.tenant, j2.ID)
		ok(t, "results", err)
		if res[1].Status != "not created" || !strings.Contains(res[1].Reason, "interrupted") {
			t.Errorf("row of an interrupted job: %+v", res[1])
		}
	})
}

// TestImportConcurrentResume: two servers that start at once both resume
// a job; each row's user is created once, and no row is reported as
// existing already.
func TestImportConcurrentResume(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		j, _ := e.heldJob(store.ImportRunning, 120)
		a := account.New(account.Config{Store: e.st, PasswordCost: 4})
		b := account.New(account.Config{Store: e.st, PasswordCost: 4})
		errs := make(chan error, 2)
		for _, svc := range []*account.Service{a, b} {
			go func() { _, err := svc.ResumeImports(e.ctx(), true); errs <- err }()
		}
		ok(t, "resume", <-errs)
		ok(t, "resume", <-errs)
		a.WaitImport(e.ctx(), e.tenant, j.ID)
		got, _ := b.WaitImport(e.ctx(), e.tenant, j.ID)
		if got.Created != 120 || got.Failed != 0 {
			t.Errorf("job after two resumes: %d created, %d failed; want 120 and 0", got.Created, got.Failed)
		}
		if n := e.jobCreations(); n != 119 {
			t.Errorf("%d users created by the resumed job, want 119", n)
		}
	})
}

// age moves an import job's heartbeat a minute into the past.
func (e *env) age(jobID string) {
	e.t.Helper()
	db := e.st.(*sqlstore.Store).DB().DB
	if _, err := db.ExecContext(e.ctx(), `UPDATE import_jobs SET updated_at = updated_at - interval '1 minute' WHERE id = $1`, jobID); err != nil {
		if _, err := db.ExecContext(e.ctx(), `UPDATE import_jobs SET updated_at = updated_at - 60000000 WHERE id = $1`, jobID); err != nil {
			e.t.Fatal(err)
		}
	}
}

// TestImportAbandoned: a job whose process went away (no heartbeat) gives
// up the tenant's slot to a new import, and a server's sweep resumes such
// a job; a job with a live heartbeat is left alone by both.
func TestImportAbandoned(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		file := []byte("Display Name,Email Address\nA,a@example.com\n")
		j, _ := e.heldJob(store.ImportRunning, 3)
		svc := account.New(account.Config{Store: e.st, PasswordCost: 4})
		if n, _ := svc.ResumeStaleImports(e.ctx(), 0); n != 0 {
			t.Errorf("the sweep resumed %d live jobs", n)
		}
		_, err := e.svc.StartImport(e.ctx(), e.op(), e.tenant, "f.csv", file, account.ImportOptions{})
		wantKind(t, "start beside a live job", err, account.Conflict)
		e.age(j.ID)
		if n, _ := svc.ResumeStaleImports(e.ctx(), 0); n != 1 {
			t.Fatalf("the sweep resumed %d abandoned jobs, want 1", n)
		}
		if got, _ := svc.WaitImport(e.ctx(), e.tenant, j.ID); got.State != store.ImportDone || got.Created != 3 {
			t.Errorf("swept job %+v", got)
		}

		j2, _ := e.heldJobNamed(store.ImportRunning, 2, "second")
		e.age(j2.ID)
		j3, err := e.svc.StartImport(e.ctx(), e.op(), e.tenant, "f.csv", file, account.ImportOptions{Passwords: account.PasswordsNone})
		ok(t, "start beside an abandoned job", err)
		e.svc.WaitImport(e.ctx(), e.tenant, j3.ID)
		if old, _ := e.st.GetImportJob(e.ctx(), e.tenant, j2.ID); old.State != store.ImportInterrupted {
			t.Errorf("the abandoned job is %s, want interrupted", old.State)
		}
	})
}

// TestImportStop: a stopped job creates nobody further and ends done; it
// cannot be stopped again, nor resumed; its rows not created are in the
// failed rows.
func TestImportStop(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		j, _ := e.heldJob(store.ImportRunning, 3)
		got, err := e.svc.StopImport(e.ctx(), e.op(), e.tenant, j.ID)
		ok(t, "stop", err)
		if got.State != store.ImportStopping {
			t.Errorf("state after Stop: %s", got.State)
		}
		_, err = e.svc.ResumeImports(e.ctx(), true)
		ok(t, "resume", err)
		got, _ = e.svc.WaitImport(e.ctx(), e.tenant, j.ID)
		if got.State != store.ImportDone || got.Created != 1 {
			t.Errorf("stopped job %+v, want done with only the 1 created before", got)
		}
		_, err = e.svc.StopImport(e.ctx(), e.op(), e.tenant, j.ID)
		wantKind(t, "stop a done job", err, account.Conflict, "nothing to stop")
		failed, _ := e.svc.FailedRowsCSV(e.ctx(), e.op(), e.tenant, j.ID)
		if f, _ := account.ParseImport("f.csv", failed); f == nil || len(f.Rows) != 2 {
			t.Errorf("failed rows of a stopped job:\n%s", failed)
		}

		// A Stop while rows are being created: the job ends done and
		// creates no more rows after the Stop took effect.
		var b strings.Builder
		b.WriteString("Display Name,Email Address\n")
		for i := range 300 {
			fmt.Fprintf(&b, "S %d,s%d@example.com\n", i, i)
		}
		j2, err := e.svc.StartImport(e.ctx(), e.op(), e.tenant, "big.csv", []byte(b.String()), account.ImportOptions{Passwords: account.PasswordsNone})
		ok(t, "start", err)
		time.Sleep(20 * time.Millisecond)
		_, err = e.svc.StopImport(e.ctx(), e.op(), e.tenant, j2.ID)
		if err != nil && account.KindOf(err) != account.Conflict { // it may have finished already
			t.Fatal(err)
		}
		got, _ = e.svc.WaitImport(e.ctx(), e.tenant, j2.ID)
		if got.State != store.ImportDone {
			t.Errorf("state %s", got.State)
		}
		j3, err := e.svc.StartImport(e.ctx(), e.op(), e.tenant, "after.csv", []byte("Display Name,Email Address\nZ,z@example.com\n"), account.ImportOptions{})
		ok(t, "a new import after the stopped one", err)
		e.svc.WaitImport(e.ctx(), e.tenant, j3.ID)
	})
}

// TestImportGuardrails: a job acts with the authority of the member who
// started it: an Account Admin's import may not make Admins (that row is
// not created, saying why), and its other rows are created.
func TestImportGuardrails(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		aa := e.user("aa", "Account Admin")
		file := "Display Name,Email Address,Roles\nBoss,boss@example.com,Admin\nPeer,peer@example.com,\n"
		j, err := e.svc.StartImport(e.ctx(), e.member(aa), e.tenant, "f.csv", []byte(file), account.ImportOptions{Passwords: account.PasswordsNone})
		ok(t, "start", err)
		j, _ = e.svc.WaitImport(e.ctx(), e.tenant, j.ID)
		_, res, err := e.svc.ImportResults(e.ctx(), e.member(aa), e.tenant, j.ID)
		ok(t, "results", err)
		if res[0].Status != "not created" || !strings.Contains(res[0].Reason, "Admin") || res[1].Status != "created" {
			t.Errorf("results %+v", res)
		}
		for _, a := range e.audit(account.ActUserCreated) {
			if a.ResourceID == res[1].UserID && (a.ActorKind != string(account.ActorJob) || !strings.Contains(a.ActorName, "member")) {
				t.Errorf("audit actor %s %q, want the job acting for the member", a.ActorKind, a.ActorName)
			}
		}
	})
}

// TestImportAuthority: a member without users.manage may not import, nor
// read another tenant's jobs.
func TestImportAuthority(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		plain := e.user("plain", "User")
		_, err := e.svc.StartImport(e.ctx(), e.member(plain), e.tenant, "f.csv", []byte("Display Name,Email Address\nA,a@example.com\n"), account.ImportOptions{})
		wantKind(t, "plain member", err, account.Forbidden)
		j, _ := e.heldJob(store.ImportDone, 1)
		other := account.Member("another-tenant", e.owner, "x", "r")
		_, err = e.svc.ImportJob(e.ctx(), other, e.tenant, j.ID)
		wantKind(t, "another tenant", err, account.NotFound)
	})
}
