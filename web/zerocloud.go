package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"zebra/jobtracker"
	"zebra/jobtracker/api"
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
	plan, err := s.zerocloud(c.Request.Context(), body, p.Tenant)
	if err != nil {
		apiError(c, http.StatusBadRequest, err.Error())
		return
	}
	if err := confine(plan, p.Tenant); err != nil {
		apiError(c, http.StatusForbidden, err.Error())
		return
	}
	plan.Owner = p.Tenant
	id, err := s.t.Submit(c.Request.Context(), plan, nil)
	switch {
	case errors.Is(err, jobtracker.ErrOutputExists):
		apiError(c, http.StatusConflict, err.Error())
	case err != nil:
		apiError(c, http.StatusBadRequest, err.Error())
	default:
		s.log.Info("zerocloud job submitted", "job", id, "owner", OwnerName(p.Tenant))
		c.JSON(http.StatusCreated, api.Submitted{ID: id})
	}
}
