package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"zebra/jobtracker/api"
	"zebra/swiftfs"
	"zebra/web"
)

// replicaLocator is web.Config.Locate on Swift: it keeps one swiftfs
// client per account (the jobtracker's own credentials for the operator's
// opens, a tenant's token for a tenant's) to ask list_endpoints where an
// object's replicas are.
type replicaLocator struct {
	log   *slog.Logger
	mu    sync.Mutex
	fss   map[string]*swiftfs.FS // account → client for list_endpoints
	admin *swiftfs.FS            // the jobtracker's own credentials
}

func newReplicaLocator(log *slog.Logger) *replicaLocator {
	return &replicaLocator{log: log, fss: map[string]*swiftfs.FS{}}
}

// Locate implements web.Config.Locate.
func (l *replicaLocator) Locate(ctx context.Context, cred *api.SwiftCredential, account, object string) (string, []string, error) {
	fs, account, err := l.client(ctx, cred, account)
	if err != nil {
		return "", nil, &web.Unavailable{Err: err}
	}
	reps, err := fs.Replicas(ctx, object)
	if err != nil {
		return "", nil, err
	}
	nodes := make([]string, len(reps))
	for i, r := range reps {
		nodes[i] = r.Node
	}
	return account, nodes, nil
}

// client returns the Swift client of account, and the account itself
// (the jobtracker's own when cred is nil and account is "").
func (l *replicaLocator) client(ctx context.Context, cred *api.SwiftCredential, account string) (*swiftfs.FS, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cred == nil {
		if l.admin == nil {
			fs, err := swiftfs.New(swiftfs.Config{Logger: l.log})
			if err != nil {
				return nil, "", fmt.Errorf("the jobtracker has no Swift credentials of its own (ST_AUTH, ST_USER, ST_KEY): %w", err)
			}
			l.admin = fs
		}
		if account == "" {
			a, err := l.admin.Account(ctx)
			if err != nil {
				return nil, "", err
			}
			account = a
		}
	}
	if fs := l.fss[account]; fs != nil {
		return fs, account, nil
	}
	var fs *swiftfs.FS
	var err error
	if cred == nil {
		fs, err = swiftfs.NewAccount(swiftfs.Config{Logger: l.log}, account)
	} else {
		fs, err = swiftfs.New(swiftfs.WithToken(swiftfs.Config{Logger: l.log}, cred.StorageURL, cred.Token))
	}
	if err != nil {
		return nil, "", err
	}
	if len(l.fss) >= 4096 {
		clear(l.fss)
	}
	l.fss[account] = fs
	return fs, account, nil
}
