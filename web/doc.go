// Package web will be the job tracker's web UI and REST API (Gin), over a
// read-only view of the jobtracker. Nothing is implemented yet.
package web
