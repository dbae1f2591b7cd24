package notifications

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// ErrGone is returned by Post when the client has disconnected (410 Gone).
var ErrGone = errors.New("connection is gone")

// Connections posts messages to connected clients through a stage's @connections endpoint
// (POST {Endpoint}/@connections/{connectionId}), signed with SigV4 for execute-api.
type Connections struct {
	// Endpoint is the stage's callback URL, from PORTICO_CALLBACK_URL.
	Endpoint string
	// Region and Credentials sign requests; nil Credentials sends them unsigned, which only
	// the local gateway (an http:// endpoint) accepts.
	Region      string
	Credentials aws.CredentialsProvider
	// Client sends the requests; it should have a timeout.
	Client *http.Client
}

// Post sends data to the connection. It returns ErrGone (wrapped) when the client has left.
func (c Connections) Post(ctx context.Context, connectionID string, data []byte) error {
	u := strings.TrimSuffix(c.Endpoint, "/") + "/@connections/" + url.PathEscape(connectionID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("post to connection %q: %w", connectionID, err)
	}
	if c.Credentials != nil {
		creds, err := c.Credentials.Retrieve(ctx)
		if err != nil {
			return fmt.Errorf("post to connection %q: credentials: %w", connectionID, err)
		}
		sum := sha256.Sum256(data)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", c.Region, time.Now()); err != nil {
			return fmt.Errorf("post to connection %q: sign: %w", connectionID, err)
		}
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return fmt.Errorf("post to connection %q: %w", connectionID, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode == http.StatusGone:
		return fmt.Errorf("post to connection %q: %w", connectionID, ErrGone)
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("post to connection %q: %s: %s", connectionID, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}
