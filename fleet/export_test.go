package fleet

// CredentialsAt is Credentials made as if now were at: a test makes with
// it a credential that has already expired.
var CredentialsAt = credentialsAt
