package avatar

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"testing"
)

func TestCenterSquare(t *testing.T) {
	tests := []struct {
		name string
		in   image.Rectangle
		want image.Rectangle
	}{
		{"landscape keeps the middle", image.Rect(0, 0, 800, 600), image.Rect(100, 0, 700, 600)},
		{"portrait keeps the middle", image.Rect(0, 0, 600, 900), image.Rect(0, 150, 600, 750)},
		{"square is unchanged", image.Rect(0, 0, 50, 50), image.Rect(0, 0, 50, 50)},
		{"offset bounds", image.Rect(10, 20, 14, 22), image.Rect(11, 20, 13, 22)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CenterSquare(tc.in); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRenderRejects(t *testing.T) {
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, image.NewPaletted(image.Rect(0, 0, 4, 4), []color.Color{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	truncated := pngData.Bytes()[:len(pngData.Bytes())/2]
	// A PNG header declaring 100000x100000 pixels: a decompression bomb.
	bomb := append([]byte{}, pngData.Bytes()[:33]...)
	bomb[16], bomb[17], bomb[18], bomb[19] = 0x00, 0x01, 0x86, 0xa0
	bomb[20], bomb[21], bomb[22], bomb[23] = 0x00, 0x01, 0x86, 0xa0
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"text renamed .png", []byte("just some text, not an image\n")},
		{"html", []byte("<html><script>alert(1)</script></html>")},
		{"gif", gifData.Bytes()},
		{"empty", nil},
		{"truncated png", truncated},
		{"declared size too large", bomb},
		{"over 2 MB", append(pngData.Bytes(), make([]byte, MaxBytes)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Render(tc.data); !errors.Is(err, ErrRejected) {
				t.Errorf("err = %v, want ErrRejected", err)
			}
		})
	}
}

func TestRenderSizes(t *testing.T) {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 30, 20))); err != nil {
		t.Fatal(err)
	}
	rs, err := Render(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for i, size := range Sizes {
		img, err := png.Decode(bytes.NewReader(rs[i].Data))
		if err != nil {
			t.Fatalf("%d px: %v", size, err)
		}
		if img.Bounds() != image.Rect(0, 0, size, size) || rs[i].ContentType != "image/png" || rs[i].Ext != "png" {
			t.Errorf("%d px rendition: %v %s %s", size, img.Bounds(), rs[i].ContentType, rs[i].Ext)
		}
	}
}

func TestLocations(t *testing.T) {
	l := Locations{BaseURL: "https://cdn.example.com/"}
	k := RenditionKey("u1", "0001-ab", 512, "png")
	url := l.URL(k)
	if url != "https://cdn.example.com/avatars/u1/0001-ab-512.png" || l.Key(url) != k {
		t.Errorf("url %q key %q", url, l.Key(url))
	}
	if l.Key("https://evil.example.com/avatars/u1/x-512.png") != "" {
		t.Error("a foreign URL maps to a key")
	}
	got := renditionKeys(l, url)
	if len(got) != 2 || got[0] != "avatars/u1/0001-ab-512.png" || got[1] != "avatars/u1/0001-ab-128.png" {
		t.Errorf("rendition keys %v", got)
	}
	if uid, id, ok := ParseUploadKey(UploadKey("u1", "0001-ab")); !ok || uid != "u1" || id != "0001-ab" {
		t.Errorf("ParseUploadKey = %s %s %v", uid, id, ok)
	}
	for _, bad := range []string{"avatars/u1/x", "uploads/u1", "uploads//x", "uploads/u1/a/b"} {
		if _, _, ok := ParseUploadKey(bad); ok {
			t.Errorf("ParseUploadKey(%q) accepted", bad)
		}
	}
}

func TestNewer(t *testing.T) {
	k := func(id string) string { return RenditionKey("u1", id, 512, "png") }
	tests := []struct {
		name      string
		cur, next string
		want      bool
	}{
		{"later upload replaces", k("0000000000000001-aa"), k("0000000000000002-bb"), false},
		{"earlier upload does not replace", k("0000000000000002-aa"), k("0000000000000001-bb"), true},
		{"same time: the later event wins", k("0000000000000002-ff"), k("0000000000000002-00"), false},
		{"no avatar yet", "", k("0000000000000001-aa"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := newer(tc.cur, tc.next); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
