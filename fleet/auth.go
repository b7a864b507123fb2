package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// A server's authority lives in its store directory, under auth/ (mode
// 0700): the seeds of a NATS operator and of the one account that holds
// the fleet's streams, and of the server's own system account, which no
// credential is made for (files of mode 0600). The operator signs the
// account; the account signs every credential. Credentials are user JWTs
// that carry the user's permissions and, if asked, an expiry, so the server
// keeps no list of users: any credential the account signed is accepted
// until it expires, and a new one can be made without restarting the
// server. Replacing the auth directory (a new account key) invalidates
// every credential made before.
const (
	authDir         = "auth"
	credsDir        = "creds"
	operatorSeed    = "operator.nk"
	accountSeed     = "account.nk"
	systemSeed      = "system.nk"
	handedOutCAFile = "ca.pem" // in creds/: the CA clients must trust, when weft made it
)

type authority struct {
	operator   nkeys.KeyPair
	operatorID string
	account    nkeys.KeyPair
	accountID  string
	accountJWT string
	systemID   string // the server's own account, which JetStream needs
	systemJWT  string
}

// loadAuthority reads the keys of the store directory dir, creating them
// if create is set and they do not exist yet.
func loadAuthority(dir string, create bool) (*authority, error) {
	d := filepath.Join(dir, authDir)
	if create {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("fleet: creating %s: %w", d, err)
		}
	}
	op, err := loadSeed(filepath.Join(d, operatorSeed), nkeys.CreateOperator, create)
	if err != nil {
		return nil, err
	}
	acc, err := loadSeed(filepath.Join(d, accountSeed), nkeys.CreateAccount, create)
	if err != nil {
		return nil, err
	}
	sys, err := loadSeed(filepath.Join(d, systemSeed), nkeys.CreateAccount, create)
	if err != nil {
		return nil, err
	}
	a := &authority{operator: op, account: acc}
	if a.operatorID, err = op.PublicKey(); err != nil {
		return nil, err
	}
	if a.accountID, err = acc.PublicKey(); err != nil {
		return nil, err
	}
	ac := jwt.NewAccountClaims(a.accountID)
	ac.Name = "weft fleet"
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: jwt.NoLimit, DiskStorage: jwt.NoLimit, Streams: jwt.NoLimit, Consumer: jwt.NoLimit}
	if a.accountJWT, err = ac.Encode(op); err != nil {
		return nil, fmt.Errorf("fleet: signing the account: %w", err)
	}
	if a.systemID, err = sys.PublicKey(); err != nil {
		return nil, err
	}
	sc := jwt.NewAccountClaims(a.systemID)
	sc.Name = "weft fleet system"
	if a.systemJWT, err = sc.Encode(op); err != nil {
		return nil, fmt.Errorf("fleet: signing the system account: %w", err)
	}
	return a, nil
}

// loadSeed reads a seed file, which must be private to its owner, or
// creates it.
func loadSeed(path string, gen func() (nkeys.KeyPair, error), create bool) (nkeys.KeyPair, error) {
	data, err := readPrivate(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		kp, err := gen()
		if err != nil {
			return nil, err
		}
		seed, err := kp.Seed()
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) { // made meanwhile by another process
			return loadSeed(path, gen, false)
		}
		if err != nil {
			return nil, fmt.Errorf("fleet: creating %s: %w", path, err)
		}
		_, err = f.Write(append(seed, '\n'))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("fleet: writing %s: %w", path, err)
		}
		return kp, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("fleet: no key at %s: start the server on this store directory once first", path)
	}
	if err != nil {
		return nil, err
	}
	kp, err := nkeys.FromSeed(bytes.TrimSpace(data))
	if err != nil {
		return nil, fmt.Errorf("fleet: %s does not hold a key: %w", path, err)
	}
	return kp, nil
}

// readPrivate reads a file that holds a secret, refusing it if other users
// may read or write it (as ssh does with its keys).
func readPrivate(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("fleet: %s is open to other users (mode %04o): it holds a secret; chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	return data, nil
}

// user makes a credential for role on streams: a user JWT signed by the
// account, and the user's seed. A zero expires never expires.
func (a *authority) user(role Role, streams []string, name string, expires time.Time) (token string, seed []byte, err error) {
	perms, err := RolePermissions(role, streams...)
	if err != nil {
		return "", nil, err
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return "", nil, err
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return "", nil, err
	}
	uc := jwt.NewUserClaims(pub)
	uc.Name = name
	uc.Tags.Add("weft-role:" + string(role))
	if role != RoleAdmin {
		uc.Pub.Allow.Add(perms.Publish...)
		uc.Sub.Allow.Add(perms.Subscribe...)
	}
	if !expires.IsZero() {
		uc.Expires = expires.Unix()
	}
	if token, err = uc.Encode(a.account); err != nil {
		return "", nil, fmt.Errorf("fleet: signing a credential: %w", err)
	}
	if seed, err = kp.Seed(); err != nil {
		return "", nil, err
	}
	return token, seed, nil
}

// credsFile formats a credential as a NATS credentials file, followed by
// the certificate of the CA that signs the server's certificate when there
// is one to hand out: NATS clients read the first two blocks and ignore the
// rest; Connect also trusts that CA, and only it, for this server.
func credsFile(token string, seed []byte, caPEM []byte) ([]byte, error) {
	out, err := jwt.FormatUserConfig(token, seed)
	if err != nil {
		return nil, fmt.Errorf("fleet: formatting a credential: %w", err)
	}
	if len(caPEM) > 0 {
		out = append(out, "\nThe server's certificate is signed by this CA; weft trusts it, and only it, for this server:\n"...)
		out = append(out, caPEM...)
	}
	return out, nil
}

// CredentialsConfig holds the options of Credentials.
type CredentialsConfig struct {
	// Streams names the stream sets the credential may use (required,
	// except for RoleAdmin).
	Streams []string
	// ValidFor is how long the credential is accepted; 0 means until the
	// store directory's keys are replaced.
	ValidFor time.Duration
	// Name is recorded in the credential, for the server's monitoring;
	// the default is "weft <role>".
	Name string
}

// Credentials returns a new NATS credentials file for role, signed with
// the keys of the store directory dir (a server must have been started on
// it once): a user JWT with the role's permissions (see RolePermissions)
// and its seed, followed by the CA certificate that clients must trust when
// the server's certificate is one the server made. Hand it out as a file of
// mode 0600: whoever holds it can do what role allows. Each call makes a
// new identity; a credential stays valid until it expires or the keys
// are replaced.
func Credentials(dir string, role Role, c CredentialsConfig) ([]byte, error) {
	return credentialsAt(dir, role, c, time.Now())
}

func credentialsAt(dir string, role Role, c CredentialsConfig, now time.Time) ([]byte, error) {
	if err := role.valid(); err != nil {
		return nil, err
	}
	if c.ValidFor < 0 {
		return nil, fmt.Errorf("fleet: ValidFor must be >= 0 (0: no expiry), got %v", c.ValidFor)
	}
	a, err := loadAuthority(dir, false)
	if err != nil {
		return nil, err
	}
	var expires time.Time
	if c.ValidFor > 0 {
		expires = now.Add(c.ValidFor)
	}
	if c.Name == "" {
		c.Name = "weft " + string(role)
	}
	token, seed, err := a.user(role, c.Streams, c.Name, expires)
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(filepath.Join(dir, credsDir, handedOutCAFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("fleet: %w", err)
	}
	return credsFile(token, seed, ca)
}

// writePrivate writes data to path atomically, as a file of mode 0600 in
// a directory it creates with mode 0700.
func writePrivate(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("fleet: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("fleet: writing %s: %w", path, err)
	}
	return nil
}
