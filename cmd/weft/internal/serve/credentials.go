package serve

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/weft-dev/weft/cmd/weft/internal/cli"
	"github.com/weft-dev/weft/cmd/weft/internal/remote"
	"github.com/weft-dev/weft/fleet"
)

// CredentialsConfig is what weft serve credentials was asked to make.
type CredentialsConfig struct {
	Store    string        // the server's store, whose keys sign them
	Streams  []string      // the streams they may use; none: remote.DefaultStream
	ValidFor time.Duration // 0: until the store's keys are replaced
	Output   string        // the file to write (mode 0600); "": stdout, unless a terminal
}

func credentialsCommand() *cli.Command {
	return &cli.Command{
		Name:    "credentials",
		Summary: "make a submitter's or a worker's credentials file, to hand out",
		Usage:   []string{"weft serve credentials [options] submitter|worker"},
		Doc:     "weft serve credentials makes a new NATS credentials file for a submitter (may submit jobs, read its runs' results and set their state) or a worker (may take jobs and report them, and may not submit any), signed with the keys in the server's store, and writes it with -o FILE (mode 0600), or on stdout when that is not a terminal. Whoever holds it can do what its role allows: hand it over as you would a password. Give it with --nats-creds FILE. A server that made its own certificate puts its CA in the file, so that its clients need no --tls-ca.",
		Example: "weft serve credentials --store /var/lib/weft -o worker.creds worker",
		Operands: func() []string {
			return []string{string(fleet.RoleSubmitter), string(fleet.RoleWorker)}
		},
		Bind: func() cli.Bound {
			o := &CredentialsConfig{Store: Defaults().Store}
			return cli.Bound{
				Sections: []cli.Section{{Title: "Options", Options: []cli.Option{
					{Names: []string{"--store"}, Arg: cli.Required, Value: "DIR", Help: "the store of the server they are for (default ./weft-store); it must have been served once",
						Example: "weft serve credentials --store /var/lib/weft worker", Set: cli.String(&o.Store)},
					{Names: []string{"--stream"}, Arg: cli.Required, Value: "S", Repeats: true, Help: "let them use the stream S (default weft); repeat it for more",
						Example: "weft serve credentials --stream builds submitter", Set: func(flag, v string) error {
							var s string
							if err := remote.SetName(&s)(flag, v); err != nil {
								return err
							}
							o.Streams = append(o.Streams, s)
							return nil
						}},
					{Names: []string{"--valid-for"}, Arg: cli.Required, Value: "D", Help: "the server refuses them after D (default: until the store's keys are replaced)",
						Example: "weft serve credentials --valid-for 30d worker", Set: func(flag, v string) error {
							if err := cli.Duration(&o.ValidFor)(flag, v); err != nil {
								return err
							}
							if o.ValidFor < time.Minute {
								return fmt.Errorf("bad value for %s: %v (want >= 1m)", flag, o.ValidFor)
							}
							return nil
						}},
					{Names: []string{"-o", "--output"}, Arg: cli.Required, Value: "FILE", Help: "write them to FILE, mode 0600 (default: stdout, which must not be a terminal)",
						Example: "weft serve credentials -o worker.creds worker", Set: cli.String(&o.Output)},
				}}},
				Run: func(operands []string, env cli.Env) int {
					if len(operands) != 1 || (operands[0] != string(fleet.RoleSubmitter) && operands[0] != string(fleet.RoleWorker)) {
						return cli.Fail(env, fmt.Errorf("weft serve credentials takes one role, submitter or worker, got %q", operands))
					}
					return Credentials(o, fleet.Role(operands[0]), env)
				},
			}
		},
	}
}

// Credentials is weft serve credentials: it makes a credentials file for
// role and writes it to o.Output or env.Stdout; it returns the exit status.
func Credentials(o *CredentialsConfig, role fleet.Role, env cli.Env) int {
	out := env.Stdout
	if o.Output == "" && isTerminal(env.Stdout) {
		return cli.Fail(env, errors.New("weft serve credentials writes a secret: give -o FILE, or redirect stdout to a file"))
	}
	streams := o.Streams
	if len(streams) == 0 {
		streams = []string{remote.DefaultStream}
	}
	data, err := fleet.Credentials(o.Store, role, fleet.CredentialsConfig{Streams: streams, ValidFor: o.ValidFor})
	if err != nil {
		return cli.Fail(env, err)
	}
	defer clear(data)
	if o.Output != "" {
		f, err := os.OpenFile(o.Output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return cli.Fail(env, err)
		}
		err = f.Chmod(0o600) // a file that was there keeps its mode otherwise
		if err == nil {
			_, err = f.Write(data)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return cli.Fail(env, err)
		}
		fmt.Fprintf(env.Stderr, "weft: wrote %s credentials for stream %s to %s; give them with --nats-creds %s\n", role, strings.Join(streams, ", "), o.Output, o.Output)
		return 0
	}
	if _, err := out.Write(data); err != nil {
		return cli.Fail(env, err)
	}
	return 0
}

// isTerminal tells whether w is a terminal, where a secret must not be
// shown.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
