package dailysummary

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestSummaryRender(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	acts := []Activity{
		{Kind: KindTask, Title: "Enviar <propuesta>", Start: utc("2026-03-09T08:00:00Z")},
		{Kind: KindAppointment, Title: "Revisión", Start: utc("2026-03-09T15:00:00Z"), End: utc("2026-03-09T16:30:00Z"), Location: "Zoom"},
	}
	tests := []struct {
		name, lang  string
		acts        []Activity
		wantSubject string
		wantText    []string
	}{
		{"spanish with activities in local 24-hour time", "es-MX", acts, "Tu día: lunes, 9 de marzo de 2026",
			[]string{"Hola, Ana:", "(2)", "09:00  Tarea: Enviar <propuesta>", "16:00–17:30  Cita: Revisión (Zoom)", "Europe/Madrid"}},
		{"english with activities in local 12-hour time", "en", acts, "Your day: Monday, March 9, 2026",
			[]string{"Hello Ana,", "9:00 AM  Task: Enviar <propuesta>", "4:00 PM–5:30 PM  Appointment: Revisión (Zoom)"}},
		{"unsupported language falls back to english", "fr", nil, "Your day: Monday, March 9, 2026", []string{"Nothing is scheduled for Monday, March 9, 2026."}},
		{"spanish nothing scheduled", "es", nil, "Tu día: lunes, 9 de marzo de 2026", []string{"No tienes nada programado para el lunes, 9 de marzo de 2026."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Summary{Name: "Ana", Language: tt.lang, Day: "2026-03-09", Location: loc, AppName: "MyProfile", Activities: tt.acts}.Render()
			if err != nil {
				t.Fatal(err)
			}
			if e.Subject != tt.wantSubject {
				t.Errorf("subject = %q, want %q", e.Subject, tt.wantSubject)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(e.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, e.Text)
				}
			}
			if strings.Contains(e.HTML, "<propuesta>") {
				t.Errorf("HTML body does not escape titles:\n%s", e.HTML)
			}
		})
	}
}

func TestPacerSpacesSends(t *testing.T) {
	var waits []time.Duration
	clock := time.Date(2026, 3, 7, 8, 0, 0, 0, time.UTC) // stands still: the sends are instant
	p := pacer{rate: 10, now: func() time.Time { return clock }, sleep: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}
	for range 4 {
		if err := p.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// The first send goes at once; each next one waits for its slot 100 ms
	// after the previous.
	if len(waits) != 3 {
		t.Fatalf("waited %d times (%v), want 3", len(waits), waits)
	}
	for i, w := range waits {
		if want := time.Duration(i+1) * 100 * time.Millisecond; w != want {
			t.Errorf("wait %d = %v, want %v", i+1, w, want)
		}
	}
}

// Workers together stay within the send rate: each paces at
// SendRate/Concurrency, and one container's invocations share the pacer.
func TestWorkerPacerSharesTheSendRate(t *testing.T) {
	for _, tt := range []struct {
		name        string
		rate        float64
		concurrency int
		want        float64
	}{
		{"default concurrency of 2 halves the rate", 14, 0, 7},
		{"concurrency 5 of 50/s", 50, 5, 10},
		{"no rate means no pacing", 0, 3, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &Runner{SendRate: tt.rate, Concurrency: tt.concurrency}
			p := r.pacerForWorker()
			if p.rate != tt.want {
				t.Errorf("worker rate %v, want %v", p.rate, tt.want)
			}
			if r.pacerForWorker() != p {
				t.Error("a second invocation got a new pacer: bursts between invocations would exceed the rate")
			}
		})
	}
}
