package avatar_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/avatarwire"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is the API with an S3 emulator whose object-created events run the
// avatar function, as the bucket notification does in AWS.
func env(t *testing.T) *apptest.Env {
	t.Helper()
	return envAt(t, nil)
}

// envAt is env with the emulator's clock (nil: the real one).
func envAt(t *testing.T, s3Now func() time.Time) *apptest.Env {
	t.Helper()
	bucket := "uploads-" + strings.ToLower(testenv.RandomID(t))
	var e *apptest.Env // set before any upload: the events run its avatar function
	svc, err := localcloud.StartS3(context.Background(), localcloud.S3Options{
		Buckets: []string{bucket}, NotifyPrefix: "uploads/", Now: s3Now,
		OnCreated: func(ctx context.Context, b, key string, size int64) error {
			var rec events.S3EventRecord
			rec.S3.Bucket.Name, rec.S3.Object.Key, rec.S3.Object.Size = b, key, size
			return e.Deps.AvatarEvent(ctx, events.S3Event{Records: []events.S3EventRecord{rec}})
		},
	})
	if err != nil {
		t.Fatalf("start S3 emulator: %v", err)
	}
	t.Cleanup(svc.Stop)
	client := s3.NewFromConfig(testenv.Config(t), func(o *s3.Options) {
		o.BaseEndpoint = &svc.Endpoint
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	e = apptest.New(t, &apptest.Options{
		Env:       map[string]string{"UPLOADS_BUCKET": bucket},
		Configure: func(d *app.Deps) { d.SetClient(avatarwire.S3, client) },
	})
	return e
}

type form struct {
	URL       string            `json:"url"`
	Fields    map[string]string `json:"fields"`
	MaxBytes  int64             `json:"maxBytes"`
	ExpiresAt string            `json:"expiresAt"`
}

func begin(t *testing.T, e *apptest.Env, token string) form {
	t.Helper()
	var f form
	e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/avatar", Token: token}).Decode(t, &f)
	if f.URL == "" || f.Fields["key"] == "" || f.Fields["policy"] == "" || f.MaxBytes != 2<<20 {
		t.Fatalf("upload form = %+v", f)
	}
	return f
}

// upload posts a file through the presigned form as a browser would and
// returns the S3 status.
func upload(t *testing.T, f form, contentType, filename string, data []byte) (int, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range f.Fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteField("Content-Type", contentType); err != nil {
		t.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(f.URL, w.FormDataContentType(), &b)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// picture is w x h: red and blue bands at the edges, green in the middle,
// so a centered square crop of a landscape picture is all green.
func picture(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	band := (max(w, h) - min(w, h)) / 2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			along, length := x, w
			if h > w {
				along, length = y, h
			}
			c := color.RGBA{0, 200, 0, 255}
			switch {
			case along < band:
				c = color.RGBA{200, 0, 0, 255}
			case along >= length-band:
				c = color.RGBA{0, 0, 200, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func avatarURL(t *testing.T, e *apptest.Env, token string) string {
	t.Helper()
	me := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me", Token: token}).JSON()
	s, _ := me["avatarUrl"].(string)
	return s
}

// fetch reads an avatar rendition; ok is false when it does not exist.
func fetch(t *testing.T, url string) (image.Image, string, bool) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return nil, "", false
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	img, format, err := image.Decode(res.Body)
	if err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
	return img, format, true
}

// status is the answer's status to a GET of url.
func status(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	res.Body.Close()
	return res.StatusCode
}

func isGreen(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return g > 0xa000 && r < 0x3000 && b < 0x3000
}

func TestAvatarUpload(t *testing.T) {
	e := env(t)
	u := e.SignUp(nil)

	t.Run("PNG becomes 512 and 128 px squares cropped at the center", func(t *testing.T) {
		f := begin(t, e, u.Token)
		if !strings.Contains(f.Fields["key"], u.ID) {
			t.Errorf("upload key %q is not under the user's prefix", f.Fields["key"])
		}
		if st, body := upload(t, f, "image/png", "me.png", encodePNG(t, picture(800, 600))); st/100 != 2 {
			t.Fatalf("upload: %d %s", st, body)
		}
		url := avatarURL(t, e, u.Token)
		if !strings.HasSuffix(url, "-512.png") || !strings.Contains(url, "/avatars/"+u.ID+"/") {
			t.Fatalf("avatarUrl = %q", url)
		}
		if st := status(t, f.URL+"/"+f.Fields["key"]); st != http.StatusNotFound {
			t.Errorf("the raw upload is still stored after processing (GET %d)", st)
		}
		for _, size := range []int{512, 128} {
			img, format, ok := fetch(t, strings.Replace(url, "-512.", "-"+strconv.Itoa(size)+".", 1))
			if !ok || format != "png" {
				t.Fatalf("%d px rendition: ok %v format %s", size, ok, format)
			}
			if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
				t.Errorf("%d px rendition is %v", size, b)
			}
			for _, p := range []image.Point{{0, 0}, {size - 1, size - 1}, {size / 2, size / 2}} {
				if c := img.At(p.X, p.Y); !isGreen(c) {
					t.Errorf("%d px rendition at %v = %v, want the green center of the picture", size, p, c)
				}
			}
		}
	})

	var pngURL string
	t.Run("JPEG replaces it and the old renditions are deleted", func(t *testing.T) {
		pngURL = avatarURL(t, e, u.Token)
		e.Clock.Advance(time.Second)
		f := begin(t, e, u.Token)
		if st, body := upload(t, f, "image/jpeg", "portrait.jpg", encodeJPEG(t, picture(600, 900))); st/100 != 2 {
			t.Fatalf("upload: %d %s", st, body)
		}
		url := avatarURL(t, e, u.Token)
		if url == pngURL || !strings.HasSuffix(url, "-512.jpg") {
			t.Fatalf("avatarUrl = %q (was %q)", url, pngURL)
		}
		img, format, ok := fetch(t, url)
		if !ok || format != "jpeg" || img.Bounds().Dx() != 512 || !isGreen(img.At(256, 10)) {
			t.Errorf("jpeg rendition: ok %v format %s", ok, format)
		}
		if _, _, ok := fetch(t, pngURL); ok {
			t.Error("the replaced PNG avatar is still stored")
		}
	})

	t.Run("a text file named .png is rejected", func(t *testing.T) {
		before := avatarURL(t, e, u.Token)
		f := begin(t, e, u.Token)
		if st, body := upload(t, f, "image/png", "evil.png", []byte("<html><script>alert(1)</script></html>\n")); st/100 != 2 {
			t.Fatalf("the emulator refused the upload itself: %d %s", st, body)
		}
		if got := avatarURL(t, e, u.Token); got != before {
			t.Errorf("avatarUrl changed to %q", got)
		}
		if st := status(t, f.URL+"/"+f.Fields["key"]); st != http.StatusNotFound {
			t.Errorf("the rejected upload is still stored (GET %d)", st)
		}
	})

	t.Run("a 3 MB image is refused by the upload policy", func(t *testing.T) {
		before := avatarURL(t, e, u.Token)
		rng := rand.New(rand.NewPCG(1, 2))
		noise := image.NewRGBA(image.Rect(0, 0, 900, 900))
		for i := range noise.Pix {
			noise.Pix[i] = byte(rng.UintN(256))
		}
		data := encodePNG(t, noise)
		if len(data) < 3<<20 {
			t.Fatalf("test image is only %d bytes", len(data))
		}
		st, body := upload(t, begin(t, e, u.Token), "image/png", "big.png", data)
		if st != http.StatusBadRequest || !strings.Contains(body, "EntityTooLarge") {
			t.Errorf("upload of %d bytes: %d %s", len(data), st, body)
		}
		if got := avatarURL(t, e, u.Token); got != before {
			t.Errorf("avatarUrl changed to %q", got)
		}
	})

	t.Run("a non-image Content-Type is refused by the upload policy", func(t *testing.T) {
		if st, body := upload(t, begin(t, e, u.Token), "text/html", "me.html", []byte("<p>hi</p>")); st != http.StatusForbidden {
			t.Errorf("upload as text/html: %d %s", st, body)
		}
	})

	t.Run("a form field no policy condition covers is refused", func(t *testing.T) {
		f := begin(t, e, u.Token)
		f.Fields["x-amz-meta-note"] = "not in the policy"
		st, body := upload(t, f, "image/png", "me.png", encodePNG(t, picture(64, 64)))
		if st != http.StatusForbidden || !strings.Contains(body, "Extra input fields: x-amz-meta-note") {
			t.Errorf("upload with an uncovered field: %d %s", st, body)
		}
		f = begin(t, e, u.Token)
		f.Fields["x-ignore-note"] = "ignored by S3"
		if st, body := upload(t, f, "image/png", "me.png", encodePNG(t, picture(64, 64))); st/100 != 2 {
			t.Errorf("upload with an x-ignore- field: %d %s", st, body)
		}
	})
	t.Run("a tampered policy is refused", func(t *testing.T) {
		f := begin(t, e, u.Token)
		f.Fields["key"] = strings.Replace(f.Fields["key"], u.ID, "someone-else", 1)
		if st, body := upload(t, f, "image/png", "me.png", encodePNG(t, picture(64, 64))); st != http.StatusForbidden {
			t.Errorf("upload to another key: %d %s", st, body)
		}
	})

	t.Run("DELETE removes the avatar", func(t *testing.T) {
		url := avatarURL(t, e, u.Token)
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/avatar", Token: u.Token})
		if got := avatarURL(t, e, u.Token); got != "" {
			t.Errorf("avatarUrl = %q after DELETE", got)
		}
		if _, _, ok := fetch(t, url); ok {
			t.Error("the deleted avatar is still stored")
		}
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me/avatar", Token: u.Token})
	})

	t.Run("avatar routes need a session", func(t *testing.T) {
		if r := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/avatar"}); r.Status != http.StatusUnauthorized {
			t.Errorf("POST without token: %d", r.Status)
		}
	})
}

func TestAccountDeletionRemovesAvatar(t *testing.T) {
	e := env(t)
	u := e.SignUp(nil)
	if st, body := upload(t, begin(t, e, u.Token), "image/png", "me.png", encodePNG(t, picture(300, 300))); st/100 != 2 {
		t.Fatalf("upload: %d %s", st, body)
	}
	url := avatarURL(t, e, u.Token)
	if _, _, ok := fetch(t, url); !ok {
		t.Fatalf("no avatar at %q", url)
	}
	e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: "/v1/me", Token: u.Token, Body: map[string]any{"password": u.Password, "confirm": "DELETE"}})
	for _, size := range []string{"512", "128"} {
		if _, _, ok := fetch(t, strings.Replace(url, "-512.", "-"+size+".", 1)); ok {
			t.Errorf("the %s px avatar of a deleted account is still stored", size)
		}
	}
}

func TestExpiredUploadFormIsRefused(t *testing.T) {
	later := func() time.Time { return time.Now().Add(5*time.Minute + time.Second) }
	e := envAt(t, later)
	u := e.SignUp(nil)
	st, body := upload(t, begin(t, e, u.Token), "image/png", "me.png", encodePNG(t, picture(64, 64)))
	if st != http.StatusForbidden || !strings.Contains(body, "expired") {
		t.Errorf("upload after 5 minutes: %d %s", st, body)
	}
	if got := avatarURL(t, e, u.Token); got != "" {
		t.Errorf("avatarUrl = %q", got)
	}
}
