package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// The JobHistory Server answers XML to a client that asks for it (its
// JAXB beans, of which the JSON answers are the Jackson rendering). hsRender
// answers a history route's value in the form the request prefers, and
// jsonToXML derives the XML from the JSON as JAXB lays the same beans out:
// an object is an element per field, a list is its field's element
// repeated, null fields are left out.

// hsRender answers v (an object with one field, the root element) as
// JSON, or as XML when the request's Accept header names application/xml
// (or text/xml) before any JSON type.
func hsRender(c *gin.Context, code int, v any) {
	if !wantsXML(c.GetHeader("Accept")) {
		c.JSON(code, v)
		return
	}
	js, err := json.Marshal(v)
	if err == nil {
		var b bytes.Buffer
		b.WriteString(xml.Header[:len(xml.Header)-1])
		if err = jsonToXML(&b, json.NewDecoder(bytes.NewReader(js))); err == nil {
			c.Data(code, "application/xml; charset=utf-8", b.Bytes())
			return
		}
	}
	c.JSON(http.StatusInternalServerError, gin.H{"error": "render XML: " + err.Error()})
}

// wantsXML reports whether an Accept header names an XML type before any
// JSON type (clients that list several put their preference first; a
// missing header gets JSON, as from the JobHistory Server).
func wantsXML(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "application/xml", "text/xml":
			return true
		case "application/json", "*/*", "application/*":
			return false
		}
	}
	return false
}

// jsonToXML writes the JSON object that d reads as XML elements.
func jsonToXML(w *bytes.Buffer, d *json.Decoder) error {
	d.UseNumber()
	t, err := d.Token()
	if err != nil {
		return fmt.Errorf("read JSON: %w", err)
	}
	if t != json.Delim('{') {
		return fmt.Errorf("read JSON: the value is not an object")
	}
	return xmlFields(w, d)
}

// xmlFields writes the fields of an object whose '{' has been read, up
// to and including its '}'.
func xmlFields(w *bytes.Buffer, d *json.Decoder) error {
	for {
		t, err := d.Token()
		if err != nil {
			return fmt.Errorf("read JSON: %w", err)
		}
		if t == json.Delim('}') {
			return nil
		}
		name, ok := t.(string)
		if !ok {
			return fmt.Errorf("read JSON: unexpected %v", t)
		}
		if err := xmlValue(w, d, name); err != nil {
			return err
		}
	}
}

// xmlValue writes the next JSON value as element name (each element of a
// list as one).
func xmlValue(w *bytes.Buffer, d *json.Decoder, name string) error {
	t, err := d.Token()
	if err != nil {
		return fmt.Errorf("read JSON: %w", err)
	}
	switch t {
	case json.Delim('['):
		for d.More() {
			if err := xmlValue(w, d, name); err != nil {
				return err
			}
		}
		_, err := d.Token()
		return err
	case json.Delim('{'):
		w.WriteString("<" + name + ">")
		if err := xmlFields(w, d); err != nil {
			return err
		}
		w.WriteString("</" + name + ">")
		return nil
	case nil:
		return nil
	}
	w.WriteString("<" + name + ">")
	if err := xml.EscapeText(w, []byte(fmt.Sprint(t))); err != nil {
		return err
	}
	w.WriteString("</" + name + ">")
	return nil
}
