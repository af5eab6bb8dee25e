package localcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Email is one message the SES emulator accepted.
type Email struct {
	MessageID string
	From      string
	ReplyTo   []string
	To        []string
	CC        []string
	BCC       []string
	Subject   string
	Text      string
	HTML      string
	At        time.Time
}

// sesStore is the JSON shape of the emulator's GET /store.
type sesStore struct {
	Emails []struct {
		MessageID   string   `json:"messageId"`
		From        string   `json:"from"`
		ReplyTo     []string `json:"replyTo"`
		Destination struct {
			To  []string `json:"to"`
			CC  []string `json:"cc"`
			BCC []string `json:"bcc"`
		} `json:"destination"`
		Subject string `json:"subject"`
		Body    struct {
			HTML string `json:"html"`
			Text string `json:"text"`
		} `json:"body"`
		At int64 `json:"at"` // epoch seconds
	} `json:"emails"`
}

// SESMessages returns every email the SES emulator at endpoint holds, oldest
// first. One emulator may serve many tests: filter by recipient.
func SESMessages(ctx context.Context, endpoint string) ([]Email, error) {
	var st sesStore
	if err := getJSON(ctx, endpoint, &st); err != nil {
		return nil, fmt.Errorf("read SES emulator store: %w", err)
	}
	out := make([]Email, 0, len(st.Emails))
	for _, e := range st.Emails {
		out = append(out, Email{
			MessageID: e.MessageID,
			From:      e.From,
			ReplyTo:   e.ReplyTo,
			To:        e.Destination.To,
			CC:        e.Destination.CC,
			BCC:       e.Destination.BCC,
			Subject:   e.Subject,
			Text:      e.Body.Text,
			HTML:      e.Body.HTML,
			At:        time.Unix(e.At, 0).UTC(),
		})
	}
	return out, nil
}

// SMSMessages returns every text message the SNS recorder at endpoint holds,
// oldest first. Filter by phone number.
func SMSMessages(ctx context.Context, endpoint string) ([]SMS, error) {
	var st struct {
		Messages []SMS `json:"messages"`
	}
	if err := getJSON(ctx, endpoint, &st); err != nil {
		return nil, fmt.Errorf("read SNS recorder store: %w", err)
	}
	return st.Messages, nil
}

func getJSON(ctx context.Context, endpoint string, v any) error {
	url := strings.TrimSuffix(endpoint, "/") + "/store"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", url, err)
	}
	return nil
}
