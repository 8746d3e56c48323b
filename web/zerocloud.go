package web

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// maxZeroCloudJob bounds a posted ZeroCloud job description.
const maxZeroCloudJob = 1 << 20

// apiZeroCloud accepts a ZeroCloud job description (the JSON body, as
// ZeroCloud's POST with X-Zerovm-Execute took it), compiles it for the
// authenticated tenant and submits it: 201 with the job's id, 400 with
// every problem of the description (nothing started), 409 when an output
// object exists.
func (s *Server) apiZeroCloud(c *gin.Context) {
	p := principal(c)
	if p.Anonymous {
		apiError(c, http.StatusUnauthorized, "submitting a job needs a token")
		return
	}
	if s.zerocloud == nil {
		apiError(c, http.StatusNotFound, "this jobtracker does not accept ZeroCloud jobs")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxZeroCloudJob))
	if err != nil {
		apiError(c, http.StatusRequestEntityTooLarge, "the job description is larger than 1 MiB or could not be read: "+err.Error())
		return
	}
	plan, err := s.zerocloud(c.Request.Context(), body, p.Tenant, s.swiftCredential(p))
	if err != nil {
		apiError(c, http.StatusBadRequest, err.Error())
		return
	}
	s.submit(c, p, plan, nil)
}
