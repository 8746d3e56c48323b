// Command watermark is zebra's run-on-open demo app: it reads a JPEG or
// PNG image on stdin, stamps a text onto it and writes the image in the
// same format to stdout, preceded by a CGI header naming its type
// ("Content-Type: image/png" and an empty line), as zebra's message/cgi
// output type expects. Built for WASI (GOOS=wasip1 GOARCH=wasm, see
// build.sh) and stored in Swift, it runs when an image is opened:
//
//	GET /open/images/photo.jpg?app=apps/watermark.wasm&text=hello
//
// The text is the text query parameter (ZEBRA_PARAM_TEXT), else the
// arguments, else "zebra"; at most 200 characters, drawn in the 7x13
// basic font (characters it lacks are left blank). Layout, for an image
// W wide and H high and a text of n characters: the glyphs are scaled up by
// s = min(3W/4 / 7n, H/8 / 13), at least 1, so that the text spans at most
// three quarters of the width and an eighth of the height; the text is
// centered horizontally, its bottom H/16 above the bottom edge, drawn in
// white at 85% over a black shadow at 50% offset by s/2+1 pixels down and
// right. Nothing outside that box and its shadow changes.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

const (
	maxText  = 200
	maxInput = 64 << 20
	glyphW   = 7
	glyphH   = 13
)

func main() {
	if err := run(os.Stdin, os.Stdout, text(os.Getenv("ZEBRA_PARAM_TEXT"), os.Args[1:])); err != nil {
		fmt.Fprintln(os.Stderr, "watermark:", err)
		os.Exit(1)
	}
}

// text is the text to stamp: the parameter, else the arguments, else
// "zebra", cut to maxText characters.
func text(param string, args []string) string {
	t := param
	if t == "" {
		t = strings.Join(args, " ")
	}
	if t == "" {
		t = "zebra"
	}
	if r := []rune(t); len(r) > maxText {
		t = string(r[:maxText])
	}
	return t
}

func run(in io.Reader, out io.Writer, txt string) error {
	data, err := io.ReadAll(io.LimitReader(in, maxInput+1))
	if err != nil {
		return fmt.Errorf("read the image: %w", err)
	}
	if len(data) > maxInput {
		return fmt.Errorf("the image is over %d MiB", maxInput>>20)
	}
	src, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decode the image (JPEG or PNG expected): %w", err)
	}
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	stamp(img, txt)

	w := bufio.NewWriterSize(out, 64<<10)
	switch format {
	case "png":
		fmt.Fprint(w, "Content-Type: image/png\r\n\r\n")
		err = png.Encode(w, img)
	case "jpeg":
		fmt.Fprint(w, "Content-Type: image/jpeg\r\n\r\n")
		err = jpeg.Encode(w, img, &jpeg.Options{Quality: 90})
	default:
		return fmt.Errorf("%s images are not supported (JPEG or PNG)", format)
	}
	if err != nil {
		return fmt.Errorf("encode the image: %w", err)
	}
	return w.Flush()
}

// Box returns where stamp draws a text of n characters on an image of
// size w×h (without the shadow), and the scale of its glyphs.
func Box(w, h, n int) (image.Rectangle, int) {
	s := min(3*w/4/(glyphW*n), h/8/glyphH)
	s = max(s, 1)
	tw, th := n*glyphW*s, glyphH*s
	x0 := (w - tw) / 2
	y0 := h - h/16 - th
	return image.Rect(x0, y0, x0+tw, y0+th), s
}

// stamp draws txt onto img as the package documentation describes.
func stamp(img *image.RGBA, txt string) {
	n := len([]rune(txt))
	mask := image.NewAlpha(image.Rect(0, 0, n*glyphW, glyphH))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: basicfont.Face7x13, Dot: fixed.P(0, basicfont.Face7x13.Ascent)}
	d.DrawString(txt)

	b := img.Bounds()
	box, s := Box(b.Dx(), b.Dy(), n)
	box = box.Add(b.Min)
	off := s/2 + 1
	blendMask(img, mask, box.Add(image.Pt(off, off)), s, color.RGBA{0, 0, 0, 255}, 128)
	blendMask(img, mask, box, s, color.RGBA{255, 255, 255, 255}, 217)
}

// blendMask paints c at opacity alpha/255 wherever mask, scaled up s times
// and placed at r, is set.
func blendMask(img *image.RGBA, mask *image.Alpha, r image.Rectangle, s int, c color.RGBA, alpha uint32) {
	o := r.Min
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			m := uint32(mask.AlphaAt((x-o.X)/s, (y-o.Y)/s).A)
			if m == 0 {
				continue
			}
			a := m * alpha / 255
			i := img.PixOffset(x, y)
			p := img.Pix[i : i+3 : i+3]
			p[0] = uint8((uint32(p[0])*(255-a) + uint32(c.R)*a) / 255)
			p[1] = uint8((uint32(p[1])*(255-a) + uint32(c.G)*a) / 255)
			p[2] = uint8((uint32(p[2])*(255-a) + uint32(c.B)*a) / 255)
		}
	}
}
