package dailysummary

import (
	"fmt"
	"strings"
	"time"

	"github.com/example/myprofile/shared/notify"
)

var (
	esWeekdays = [...]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}
	esMonths   = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}
)

// Summary is what one email says.
type Summary struct {
	Name       string
	Language   string // BCP 47; en or es are used, others fall back to en
	Day        Day
	Location   *time.Location
	AppName    string
	Activities []Activity // already filtered and ordered by start
}

// Render makes the email (without recipient).
func (s Summary) Render() (notify.Email, error) {
	lang, _ := notify.Lang(s.Language).Base()
	es := lang.String() == "es"
	date, err := s.Day.date()
	if err != nil {
		return notify.Email{}, err
	}
	var dateLabel string
	if es {
		dateLabel = fmt.Sprintf("%s, %d de %s de %d", esWeekdays[date.Weekday()], date.Day(), esMonths[date.Month()-1], date.Year())
	} else {
		dateLabel = date.Format("Monday, January 2, 2006")
	}
	clock := func(t time.Time) string {
		if es {
			return t.In(s.Location).Format("15:04")
		}
		return t.In(s.Location).Format("3:04 PM")
	}
	lines := make([]string, 0, len(s.Activities))
	for _, a := range s.Activities {
		when := clock(a.Start)
		if !a.End.IsZero() && a.End.After(a.Start) {
			when += "–" + clock(a.End)
		}
		label := map[bool]map[string]string{
			false: {KindTask: "Task", KindAppointment: "Appointment"},
			true:  {KindTask: "Tarea", KindAppointment: "Cita"},
		}[es][a.Kind]
		line := when + "  " + label + ": " + a.Title
		if a.Location != "" {
			line += " (" + a.Location + ")"
		}
		lines = append(lines, line)
	}
	data := map[string]any{
		"Name": s.Name, "Date": dateLabel, "AppName": s.AppName, "Timezone": s.Location.String(),
		"Count": len(lines), "List": strings.Join(lines, "\n"),
	}
	tpl := summaryTemplate
	if len(lines) == 0 {
		tpl = emptyTemplate
	}
	return tpl.Render(s.Language, data)
}

// dayBounds is [start, end) of a local day in loc.
func dayBounds(d Day, loc *time.Location) (time.Time, time.Time, error) {
	date, err := d.date()
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	start := time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, loc)
	end := time.Date(date.Year(), date.Month(), date.Day()+1, 0, 0, 0, 0, loc)
	return start.UTC(), end.UTC(), nil
}
