package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// objectChunk is the size of an object's chunks, as NATS object stores
// cut them by default.
const objectChunk = 128 << 10

// PutObject stores what r reads as the object name of the object store
// bucket, by publishing alone: its chunks, then its description, laid out
// as NATS object stores lay them out, so that ObjectStore.Get reads it.
// A connection that may not store there gets an error wrapping ErrDenied
// at once. Unlike ObjectStore.Put it reads nothing from the store and removes
// nothing, so it needs only the permission to publish there (a worker's,
// see RolePermissions): an object of the same name stored before is
// replaced for readers by the newer description, and its chunks stay until
// the store's age limit removes them.
func PutObject(ctx context.Context, js jetstream.JetStream, bucket, name string, r io.Reader) (*jetstream.ObjectInfo, error) {
	if name == "" {
		return nil, errors.New("fleet: object name must not be empty")
	}
	id := nuid.Next()
	info := &jetstream.ObjectInfo{
		ObjectMeta: jetstream.ObjectMeta{Name: name, Opts: &jetstream.ObjectMetaOptions{ChunkSize: objectChunk}},
		Bucket:     bucket,
		NUID:       id,
	}
	h := sha256.New()
	chunk := make([]byte, objectChunk)
	subject := "$O." + bucket + ".C." + id
	for {
		n, err := io.ReadFull(r, chunk)
		if n > 0 {
			h.Write(chunk[:n])
			perr := attempt(ctx, js, subject, "store objects in "+bucket, func(ctx context.Context) error {
				_, err := js.Publish(ctx, subject, chunk[:n])
				return err
			})
			if errors.Is(perr, ErrDenied) {
				return nil, perr
			}
			if perr != nil {
				return nil, fmt.Errorf("fleet: storing object %q in %s: %w", name, bucket, perr)
			}
			info.Chunks++
			info.Size += uint64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("fleet: reading object %q: %w", name, err)
		}
	}
	info.Digest = jetstream.GetObjectDigestValue(h)
	meta, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	m := nats.NewMsg("$O." + bucket + ".M." + base64.URLEncoding.EncodeToString([]byte(name)))
	m.Data = meta
	err = attempt(ctx, js, m.Subject, "store objects in "+bucket, func(ctx context.Context) error {
		_, err := js.PublishMsg(ctx, m)
		return err
	})
	if errors.Is(err, ErrDenied) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: storing object %q in %s: %w", name, bucket, err)
	}
	return info, nil
}
