module github.com/featureflags/featureflags/deploy/deploytest

go 1.26.8
