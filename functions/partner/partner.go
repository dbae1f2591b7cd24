// Package partner is the handler of the partner sample (REST payload v1): GET /quotes lists
// the symbols and GET /quotes/{symbol} returns one quote, for the partner that the REQUEST
// authorizer identified (its principalId); GET /iam/quotes and /iam/quotes/{symbol} do the same
// for an IAM caller (AWS_IAM routes), identified by its ARN (requestContext.identity.userArn).
package partner

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Quote is the price of one symbol, as served to one partner.
type Quote struct {
	Symbol  string  `json:"symbol"`
	Price   float64 `json:"price"`
	Partner string  `json:"partner"`
	Stage   string  `json:"stage"`
}

// Handler serves quotes from a fixed price list.
type Handler struct {
	// Prices by symbol, e.g. {"ACME": 12.5}.
	Prices map[string]float64
}

var symbolRe = regexp.MustCompile(`^[A-Z]{1,5}$`)

// Handle routes by the API's resource and method.
func (h Handler) Handle(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	partner, _ := req.RequestContext.Authorizer["principalId"].(string)
	resource, iam := strings.CutPrefix(req.Resource, "/iam")
	if iam {
		partner = req.RequestContext.Identity.UserArn
	}
	if partner == "" {
		// The REQUEST authorizer always sets principalId, and API Gateway the userArn of an IAM
		// caller; without it the API is misconfigured.
		return reply(http.StatusForbidden, map[string]string{"message": "no partner identity"})
	}
	switch req.HTTPMethod + " " + resource {
	case "GET /quotes":
		symbols := make([]string, 0, len(h.Prices))
		for s := range h.Prices {
			symbols = append(symbols, s)
		}
		slices.Sort(symbols)
		return reply(http.StatusOK, symbols)
	case "GET /quotes/{symbol}":
		symbol := req.PathParameters["symbol"]
		if !symbolRe.MatchString(symbol) {
			return reply(http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("symbol must be 1 to 5 capital letters, got %q", symbol)})
		}
		price, ok := h.Prices[symbol]
		if !ok {
			return reply(http.StatusNotFound, map[string]string{"message": fmt.Sprintf("no quote for %q", symbol)})
		}
		return reply(http.StatusOK, Quote{Symbol: symbol, Price: price, Partner: partner, Stage: req.RequestContext.Stage})
	}
	return reply(http.StatusNotFound, map[string]string{"message": "no route " + req.HTTPMethod + " " + req.Resource})
}

func reply(status int, v any) (events.APIGatewayProxyResponse, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("encode response: %w", err)
	}
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}
