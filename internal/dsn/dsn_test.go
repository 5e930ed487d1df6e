package dsn

import "testing"

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://postgres:s3cret@db.example.com:5432/flags?sslmode=require": "postgres://postgres:xxxxx@db.example.com:5432/flags?sslmode=require",
		"postgresql://u:p%40ss@h/db":                                  "postgresql://u:xxxxx@h/db",
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable": "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"postgres://h/db?user=u&password=s3cret&pool_max_conns=4":     "postgres://h/db?user=u&password=xxxxx&pool_max_conns=4",
		"postgres://u:s3cret@h:bad port/db":                           "postgres://u:xxxxx@h:bad port/db",
		"host=h user=u password=s3cret dbname=db":                     "host=h user=u password=xxxxx dbname=db",
		"host=h password='s3 cret' dbname=db":                         "host=h password=xxxxx dbname=db",
		"mongodb://localhost/flags":                                   "mongodb://localhost/flags",
		"mongodb://u:p@localhost/flags":                               "mongodb://u:xxxxx@localhost/flags",
		"mongodb://u:p%40ss@h1:27017,h2:27018/flags?replicaSet=r":     "mongodb://u:xxxxx@h1:27017,h2:27018/flags?replicaSet=r",
		"mongodb://u:p@ss@localhost/flags":                            "mongodb://u:xxxxx@localhost/flags",
		"mongodb://user@localhost/?authMechanism=MONGODB-X509":        "mongodb://user@localhost/?authMechanism=MONGODB-X509",
		"mongodb+srv://u:p@cluster.example.com/flags?tls=true":        "mongodb+srv://u:xxxxx@cluster.example.com/flags?tls=true",
		"mongodb://h/?tlsCertificateKeyFilePassword=k&tls=true":       "mongodb://h/?tlsCertificateKeyFilePassword=xxxxx&tls=true",
		"mongodb://h/?authMechanismProperties=AWS_SESSION_TOKEN:t":    "mongodb://h/?authMechanismProperties=xxxxx",
		"./data/featureflags.db":                                      "./data/featureflags.db",
		"file:/var/lib/featureflags/flags.db":                         "file:/var/lib/featureflags/flags.db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
