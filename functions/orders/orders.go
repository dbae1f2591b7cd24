// Package orders is the handler of the private orders sample (REST payload v1): GET /orders,
// GET /orders/{id} and POST /orders for the Cognito caller named by the token's sub claim.
package orders

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/aws/aws-lambda-go/events"
)

// Order is one order of one owner.
type Order struct {
	ID       string `json:"id"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
	Owner    string `json:"owner"`
}

// Limits on a new order.
const (
	MaxItemLen  = 100
	MaxQuantity = 1000
)

// Store keeps orders. The sample uses MemoryStore; a team swaps in DynamoDB.
type Store interface {
	List(ctx context.Context, owner string) ([]Order, error)
	Get(ctx context.Context, owner, id string) (Order, bool, error)
	Add(ctx context.Context, o Order) (Order, error)
}

// MemoryStore is a Store in the memory of one Lambda instance.
type MemoryStore struct {
	mu     sync.Mutex
	orders []Order
}

// List returns the owner's orders in the order they were added.
func (m *MemoryStore) List(_ context.Context, owner string) ([]Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []Order{}
	for _, o := range m.orders {
		if o.Owner == owner {
			out = append(out, o)
		}
	}
	return out, nil
}

// Get returns the owner's order id; another owner's order is not found.
func (m *MemoryStore) Get(_ context.Context, owner, id string) (Order, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.orders, func(o Order) bool { return o.ID == id && o.Owner == owner })
	if i < 0 {
		return Order{}, false, nil
	}
	return m.orders[i], true, nil
}

// Add stores o under the next ID.
func (m *MemoryStore) Add(_ context.Context, o Order) (Order, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o.ID = strconv.Itoa(len(m.orders) + 1)
	m.orders = append(m.orders, o)
	return o, nil
}

// AllowOriginEnv names the environment variable with the web origin allowed to read the
// answers (the stack sets it to the origin its CORS configuration allows).
const AllowOriginEnv = "ALLOW_ORIGIN"

// Handler serves the orders routes.
type Handler struct {
	Store Store
	// AllowOrigin, when set, is sent as Access-Control-Allow-Origin on every answer: with a
	// Lambda proxy integration the API's CORS configuration only answers preflights, and "your
	// backend is responsible for returning the Access-Control-Allow-Origin" header (API Gateway
	// developer guide, "CORS for REST APIs in API Gateway"). Default: none.
	AllowOrigin string
}

// Handle routes by the API's resource and method.
func (h Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	resp, err := h.route(ctx, req)
	if err == nil && h.AllowOrigin != "" {
		resp.Headers["Access-Control-Allow-Origin"] = h.AllowOrigin
	}
	return resp, err
}

func (h Handler) route(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	owner := caller(req)
	if owner == "" {
		// The Cognito authorizer always passes claims; without them the API is misconfigured.
		return reply(http.StatusForbidden, map[string]string{"message": "no caller identity"})
	}
	switch req.HTTPMethod + " " + req.Resource {
	case "GET /orders":
		list, err := h.Store.List(ctx, owner)
		if err != nil {
			return events.APIGatewayProxyResponse{}, fmt.Errorf("list orders: %w", err)
		}
		return reply(http.StatusOK, list)
	case "GET /orders/{id}":
		o, ok, err := h.Store.Get(ctx, owner, req.PathParameters["id"])
		if err != nil {
			return events.APIGatewayProxyResponse{}, fmt.Errorf("get order: %w", err)
		}
		if !ok {
			return reply(http.StatusNotFound, map[string]string{"message": fmt.Sprintf("order %q not found", req.PathParameters["id"])})
		}
		return reply(http.StatusOK, o)
	case "POST /orders":
		var o Order
		if err := json.Unmarshal([]byte(req.Body), &o); err != nil {
			return reply(http.StatusBadRequest, map[string]string{"message": "body must be a JSON order: " + err.Error()})
		}
		if o.Item == "" || len(o.Item) > MaxItemLen {
			return reply(http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("item must be 1 to %d characters, got %q", MaxItemLen, o.Item)})
		}
		if o.Quantity < 1 || o.Quantity > MaxQuantity {
			return reply(http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("quantity must be 1 to %d, got %d", MaxQuantity, o.Quantity)})
		}
		o.Owner = owner
		o, err := h.Store.Add(ctx, o)
		if err != nil {
			return events.APIGatewayProxyResponse{}, fmt.Errorf("add order: %w", err)
		}
		return reply(http.StatusCreated, o)
	}
	return reply(http.StatusNotFound, map[string]string{"message": "no route " + req.HTTPMethod + " " + req.Resource})
}

// caller is the sub claim the Cognito authorizer passes in the request context.
func caller(req events.APIGatewayProxyRequest) string {
	claims, _ := req.RequestContext.Authorizer["claims"].(map[string]any)
	sub, _ := claims["sub"].(string)
	return sub
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
