package web

import (
	"context"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"zebra/jobtracker/api"
	"zebra/jobtracker/zerocloud"
	"zebra/jobtracker/zerocloud/gateway"
)

// GatewayAuthorize is the ZeroCloud gateway's Config.Authorize: whether
// token, a bare Swift token, is the owner's of account. It is the check
// of ACCOUNT:TOKEN credentials (Swift asked with that token for the
// account in question, the answer cached for AuthConfig.CacheTTL), so a
// token of one account never passes for another.
func (s *Server) GatewayAuthorize(ctx context.Context, account, token string) (bool, error) {
	p, ok, err := s.auth.check(ctx, account+":"+token)
	if err != nil || !ok {
		return false, err
	}
	return p.Tenant == account && !p.Admin, nil
}

// GatewayRun is the ZeroCloud gateway's Config.Run: it compiles the job
// the gateway read (gateway.JobOf) with Config.ZeroCloudPosted for the
// account the gateway authorized, submits it as that tenant, waits for it
// and answers its reply as POST /api/v1/zerocloud with X-Zerovm-Execute
// does (writeReply): 422 for a description that cannot be parsed, 400 for
// one that is not a valid job (every problem, as text), 409 when an
// output object exists.
func (s *Server) GatewayRun() http.Handler {
	e := gin.New()
	e.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		if err == http.ErrAbortHandler {
			panic(err)
		}
		s.log.Error("panic serving a zerocloud gateway request", "path", c.Request.URL.Path, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	e.NoRoute(s.gatewayRun)
	return e
}

func (s *Server) gatewayRun(c *gin.Context) {
	ctx := c.Request.Context()
	job := gateway.JobOf(ctx)
	token := c.GetHeader("X-Auth-Token")
	if job == nil || token == "" {
		apiError(c, http.StatusInternalServerError, "not a request the ZeroCloud gateway authorized")
		return
	}
	if s.zerocloudPosted == nil {
		apiError(c, http.StatusNotFound, "this jobtracker does not accept ZeroCloud jobs")
		return
	}
	p := Principal{Tenant: job.Target.Account, cred: job.Target.Account + ":" + token}
	plan, bundle, err := s.zerocloudPosted(ctx, job, p.Tenant, s.swiftCredential(p))
	if err != nil {
		// As ZeroCloud answered: the problems as text.
		c.Header("X-Content-Type-Options", "nosniff")
		c.String(zerocloudRefusal(err), "%s\n", err.Error())
		return
	}
	if bundle != nil {
		defer bundle.Close()
	}
	if err := zerocloud.SetRequest(plan, zerocloud.RequestOf(c.Request, job.PathInfo())); err != nil {
		apiError(c, http.StatusInternalServerError, err.Error())
		return
	}
	var b io.Reader
	if bundle != nil {
		b = bundle
	}
	id, ok := s.submitJob(c, p, plan, b)
	if !ok {
		return
	}
	gateway.Submitted(ctx, id)
	st := s.waitJob(ctx, id)
	if !st.Done() {
		return // the client went away; the job goes on
	}
	s.writeReply(c, id, st)
}

// ZeroCloudPostedFunc compiles a job posted through the ZeroCloud
// gateway for tenant (see Config.ZeroCloudPosted).
type ZeroCloudPostedFunc func(ctx context.Context, job *gateway.Job, tenant string, cred *api.SwiftCredential) (*api.Plan, io.ReadCloser, error)
