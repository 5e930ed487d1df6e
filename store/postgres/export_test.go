package postgres

// Translate exposes translate to the tests.
var Translate = translate

// LatestVersion is the schema version this program writes.
func LatestVersion() int { return latestVersion() }

// MigrationsTable records the applied migrations.
const MigrationsTable = migrationsTable
