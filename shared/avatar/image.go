package avatar

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"

	"golang.org/x/image/draw"
)

// Sizes are the square renditions made of every avatar, in pixels.
var Sizes = []int{512, 128}

// MaxBytes is the largest upload accepted (also enforced by the presigned
// POST policy).
const MaxBytes = 2 << 20

// maxPixels bounds the decoded image (a small file can declare a huge
// canvas: a decompression bomb). 24 megapixels covers phone cameras.
const maxPixels = 24_000_000

// maxDecodedBytes bounds the memory the decoded image may take: a 16-bit
// PNG needs 8 bytes a pixel, so its pixel limit is lower.
const maxDecodedBytes = 96 << 20

// bytesPerPixel is what the decoder allocates per pixel for a color model.
func bytesPerPixel(m color.Model) int {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.Gray16Model:
		return 2
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.YCbCrModel:
		return 3
	}
	return 4
}

// ErrRejected reports an upload that is not an acceptable image.
var ErrRejected = errors.New("avatar: not an acceptable image")

// Rendition is one resized image.
type Rendition struct {
	Size        int
	ContentType string
	Ext         string
	Data        []byte
}

// Sniff returns the real type of an upload from its bytes: image/png or
// image/jpeg, whatever name or Content-Type it came with.
func Sniff(data []byte) (string, error) {
	switch ct := http.DetectContentType(data); ct {
	case "image/png", "image/jpeg":
		return ct, nil
	default:
		return "", fmt.Errorf("%w: content is %s", ErrRejected, ct)
	}
}

// Render checks an upload and makes the square renditions: the largest
// centered square is cropped and scaled to each size (Catmull-Rom). PNGs
// stay PNG (they may be transparent), JPEGs stay JPEG.
func Render(data []byte) ([]Rendition, error) {
	if len(data) == 0 || len(data) > MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes", ErrRejected, len(data))
	}
	ct, err := Sniff(data)
	if err != nil {
		return nil, err
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRejected, err)
	}
	if "image/"+format != ct {
		return nil, fmt.Errorf("%w: decodes as %s but looks like %s", ErrRejected, format, ct)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width*cfg.Height > maxPixels ||
		cfg.Width*cfg.Height*bytesPerPixel(cfg.ColorModel) > maxDecodedBytes {
		return nil, fmt.Errorf("%w: %dx%d pixels", ErrRejected, cfg.Width, cfg.Height)
	}
	var src image.Image
	if ct == "image/png" {
		src, err = png.Decode(bytes.NewReader(data))
	} else {
		src, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRejected, err)
	}
	square := CenterSquare(src.Bounds())
	out := make([]Rendition, 0, len(Sizes))
	for _, size := range Sizes {
		dst := image.NewRGBA(image.Rect(0, 0, size, size))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, square, draw.Src, nil)
		var b bytes.Buffer
		r := Rendition{Size: size, ContentType: ct}
		if ct == "image/png" {
			r.Ext = "png"
			err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, dst)
		} else {
			r.Ext = "jpg"
			err = jpeg.Encode(&b, dst, &jpeg.Options{Quality: 85})
		}
		if err != nil {
			return nil, fmt.Errorf("avatar: encode %d px: %w", size, err)
		}
		r.Data = b.Bytes()
		out = append(out, r)
	}
	return out, nil
}

// CenterSquare is the largest square centered in r.
func CenterSquare(r image.Rectangle) image.Rectangle {
	w, h := r.Dx(), r.Dy()
	side := min(w, h)
	x0 := r.Min.X + (w-side)/2
	y0 := r.Min.Y + (h-side)/2
	return image.Rect(x0, y0, x0+side, y0+side)
}
