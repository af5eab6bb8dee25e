package avatar

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// encodePNG makes a PNG of the given size and color model; uniform content
// compresses to a few kilobytes, so the file is small and the canvas huge.
func encodePNG(t *testing.T, w, h int, sixteenBit bool) []byte {
	t.Helper()
	var img image.Image
	if sixteenBit {
		m := image.NewNRGBA64(image.Rect(0, 0, w, h))
		m.SetNRGBA64(0, 0, color.NRGBA64{R: 1, A: 0xffff})
		img = m
	} else {
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		m.SetNRGBA(0, 0, color.NRGBA{R: 1, A: 0xff})
		img = m
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecompressionBombsAreRefusedBeforeDecoding(t *testing.T) {
	for _, tc := range []struct {
		name       string
		w, h       int
		sixteenBit bool
		ok         bool
	}{
		{"8-bit at 4000x3000 is fine", 4000, 3000, false, true},
		{"8-bit over 24 megapixels", 6000, 4500, false, false},
		{"16-bit at 4000x3500 needs 112 MB decoded", 4000, 3500, true, false},
		{"16-bit at 3000x3000 is fine", 3000, 3000, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := encodePNG(t, tc.w, tc.h, tc.sixteenBit)
			if len(data) > MaxBytes {
				t.Fatalf("fixture is %d bytes, over the upload limit", len(data))
			}
			_, err := Render(data)
			if tc.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrRejected) {
				t.Errorf("got %v, want ErrRejected", err)
			}
		})
	}
}
