package postgres

// Translate exposes translate to the tests.
var Translate = translate

// LatestVersion is the schema version this program writes.
func LatestVersion() int { return latestVersion() }

// MigrationsTable records the applied migrations.
const MigrationsTable = migrationsTable

// MigrationCount is how many migration files there are (their numbers may
// skip, so it can be below LatestVersion).
func MigrationCount() int {
	ms, err := migrations()
	if err != nil {
		panic(err)
	}
	return len(ms)
}
