package account_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scimd/scimd/account"
	"github.com/scimd/scimd/store"
	"github.com/scimd/scimd/store/sqlstore/sqltest"
)

// BenchmarkImport1000 imports a file of 1000 valid rows on each backend,
// validation included (parse, check, job, every user with its audit
// record and password mail); one op is one whole import. Target on
// PostgreSQL: < 2 s.
//
//	go test -run '^$' -bench Import1000 -benchtime 3x ./account/
func BenchmarkImport1000(b *testing.B) {
	for _, backend := range sqltest.Backends {
		b.Run(backend, func(b *testing.B) { benchImport(b, backend) })
	}
}

func benchImport(b *testing.B, backend string) {
	st := sqltest.Open(b, backend)
	svc := account.New(account.Config{Store: st})
	tn, err := st.CreateTenant(b.Context(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	e := struct {
		svc    *account.Service
		tenant string
	}{svc, tn.ID}
	for n := 0; b.Loop(); n++ {
		var f strings.Builder
		f.WriteString("Display Name,Email Address,First Name,Last Name,Job Title,Department,Roles\n")
		for i := range 1000 {
			fmt.Fprintf(&f, "User %d,bench%d.%d@example.com,Given,Family %d,Engineer,Research,Agent\n", i, n, i, i)
		}
		j, err := e.svc.StartImport(b.Context(), account.Operator(), e.tenant, "bench.csv", []byte(f.String()), account.ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		j, err = e.svc.WaitImport(b.Context(), e.tenant, j.ID)
		if err != nil || j.State != store.ImportDone || j.Created != 1000 {
			b.Fatalf("import: %+v %v", j, err)
		}
	}
}
