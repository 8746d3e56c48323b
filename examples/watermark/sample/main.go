// Command sample writes a sample photo-like image (gradients and discs) for
// the watermark demo, as JPEG or PNG by the output name's extension:
//
//	go run ./sample -o photo.jpg -size 800x600
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("o", "photo.jpg", "output file (.jpg, .jpeg or .png)")
	size := flag.String("size", "800x600", "WIDTHxHEIGHT")
	flag.Parse()
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil || w < 1 || h < 1 || w > 8000 || h > 8000 {
		fmt.Fprintf(os.Stderr, "sample: -size %q: want WIDTHxHEIGHT, each 1..8000\n", *size)
		os.Exit(2)
	}
	img := Image(w, h)
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sample:", err)
		os.Exit(1)
	}
	switch strings.ToLower(filepath.Ext(*out)) {
	case ".png":
		err = png.Encode(f, img)
	case ".jpg", ".jpeg":
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 90})
	default:
		err = fmt.Errorf("%s: the extension must be .jpg, .jpeg or .png", *out)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sample:", err)
		os.Exit(1)
	}
}

// Image is a w×h picture: a sky-to-sea gradient with a few discs.
func Image(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	discs := []struct{ x, y, r float64 }{{0.25, 0.3, 0.12}, {0.7, 0.45, 0.2}, {0.5, 0.8, 0.1}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			c := color.RGBA{uint8(40 + 120*fx), uint8(90 + 100*fy), uint8(200 - 120*fy), 255}
			for i, d := range discs {
				dx, dy := (fx-d.x)*float64(w)/float64(h), fy-d.y
				if dx*dx+dy*dy < d.r*d.r {
					c = color.RGBA{uint8(230 - 60*i), uint8(120 + 50*i), uint8(60 + 40*i), 255}
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}
