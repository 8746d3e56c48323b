package hdfs

import (
	"fmt"
	"os"
	"os/user"
	"strings"

	krb "github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
)

// kerberosClient logs in from the MIT ticket cache, as `hdfs dfs` does after
// kinit: KRB5CCNAME (FILE: caches only), else /tmp/krb5cc_<uid>; krb5.conf
// from KRB5_CONFIG, else /etc/krb5.conf. Not tested here (no KDC).
func kerberosClient() (*krb.Client, error) {
	cfgPath := os.Getenv("KRB5_CONFIG")
	if cfgPath == "" {
		cfgPath = "/etc/krb5.conf"
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", cfgPath, err)
	}
	ccache := os.Getenv("KRB5CCNAME")
	switch {
	case strings.HasPrefix(ccache, "FILE:"):
		ccache = ccache[len("FILE:"):]
	case strings.Contains(ccache, ":"):
		return nil, fmt.Errorf("ticket cache %s: only FILE: caches are supported", ccache)
	case ccache == "":
		u, err := user.Current()
		if err != nil {
			return nil, err
		}
		ccache = "/tmp/krb5cc_" + u.Uid
	}
	cc, err := credentials.LoadCCache(ccache)
	if err != nil {
		return nil, fmt.Errorf("read the ticket cache %s (run kinit first): %w", ccache, err)
	}
	c, err := krb.NewFromCCache(cc, cfg)
	if err != nil {
		return nil, fmt.Errorf("log in from %s: %w", ccache, err)
	}
	return c, nil
}
