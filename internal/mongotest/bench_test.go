package mongotest_test

import (
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/internal/server/apitest"
	"github.com/featureflags/featureflags/store/mongo"
)

// openMongo opens the MongoDB store on a fresh embedded FerretDB, through
// one connection (see Start): these figures are FerretDB's, not MongoDB's.
func openMongo(b *testing.B) ff.Store {
	s, err := mongo.Open(b.Context(), mongotest.Start(b))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkMongoToggleSequential(b *testing.B) { apitest.BenchmarkToggleSequential(b, openMongo) }
func BenchmarkMongoToggleConcurrent(b *testing.B) { apitest.BenchmarkToggleConcurrent(b, openMongo) }
func BenchmarkMongoList10k(b *testing.B)          { apitest.BenchmarkList10k(b, openMongo) }
