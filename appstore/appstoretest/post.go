package appstoretest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Post delivers a signed notification to url as the App Store does: a
// POST with the JSON body {"signedPayload": signedPayload}. The App Store
// takes a 200 as delivered and sends the notification again on anything
// else.
//
// The response's body has been read and closed; resp.Body holds a copy,
// so the caller need not close it. client nil means http.DefaultClient.
func Post(ctx context.Context, client *http.Client, url, signedPayload string) (*http.Response, error) {
	if client == nil {
		client = http.DefaultClient
	}
	body, err := json.Marshal(struct {
		SignedPayload string `json:"signedPayload"`
	}{signedPayload})
	if err != nil {
		return nil, fmt.Errorf("appstoretest: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("appstoretest: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("appstoretest: deliver the notification: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("appstoretest: read the response: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}
