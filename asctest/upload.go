package asctest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/ascjwt/ascjwt/internal/fakeserver"
)

// Asset uploads, the flow of "Uploading Assets to App Store Connect": a
// reservation (POST /v1/appScreenshots, with the token) answers
// uploadOperations, PUT requests to URLs on a host of their own that refuses
// any request with an Authorization header; the commit (PATCH
// /v1/appScreenshots/{id} with uploaded: true, with the token) completes the
// asset once every part has arrived.

// UploadHost is the host name of the upload URLs the server hands out. It is
// not loopback, so that a client deciding by host whether to send its token
// decides as it would for Apple's upload hosts; [httptest.Server.Client]
// (and so srv.Client()) sends requests for example.com and its subdomains
// to the server, and the server's certificate covers them. A client of its
// own reaches them with curl's --connect-to UploadHost:443:127.0.0.1:PORT,
// say.
const UploadHost = "uploads.example.com"

// DefaultUploadPartSize is the length of each upload operation but the last.
const DefaultUploadPartSize = 1 << 20

// Bounds on what the server keeps in memory for uploads: a screenshot is a
// few megabytes.
const (
	maxUploadFile  = 32 << 20 // one asset
	maxUploadTotal = 64 << 20 // every uncommitted reservation together
)

// Asset delivery states ("AppMediaAssetState" in Apple's documentation).
const (
	stateAwaitingUpload = "AWAITING_UPLOAD"
	stateComplete       = "COMPLETE"
)

// upload is one reservation.
type upload struct {
	id, fileName, contentType string
	size, partSize            int
	parts                     [][]byte // by part index; nil until it arrives
	state, checksum           string
}

func (u *upload) partCount() int { return (u.size + u.partSize - 1) / u.partSize }

// missing lists the part numbers (from 1) not yet received.
func (u *upload) missing() []int {
	var m []int
	for i, p := range u.parts {
		if p == nil {
			m = append(m, i+1)
		}
	}
	return m
}

// SetUploadPartSize sets the length of the upload operations of later
// reservations (the last one takes the rest); n below 1 restores
// [DefaultUploadPartSize]. Set it small to test a multi-part upload with a
// small file.
func (s *Server) SetUploadPartSize(n int) {
	if n < 1 {
		n = DefaultUploadPartSize
	}
	s.mu.Lock()
	s.partSize = n
	s.mu.Unlock()
}

// isUploadHost reports whether a request's Host is the upload origin.
func isUploadHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return strings.EqualFold(host, UploadHost)
}

func (s *Server) routeUploads() {
	s.defaults.HandleFunc("POST /v1/appScreenshots", s.reserve)
	s.defaults.HandleFunc("PATCH /v1/appScreenshots/{id}", s.commit)
	s.defaults.HandleFunc("GET /v1/appScreenshots/{id}", s.getScreenshot)
	s.uploads.HandleFunc("PUT /upload/{id}/{part}", s.putPart) // any other path: ServeMux's 404, or 405 for another method
}

// serveUpload serves the upload origin. Like Apple's, it takes no token: a
// request that carries one is refused, and counted, so that a test sees a
// client that leaks its token to the upload host.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	if _, ok := r.Header["Authorization"]; ok {
		s.mu.Lock()
		s.stats.UploadsRefused++
		s.mu.Unlock()
		http.Error(w, "The provided upload URLs are unauthenticated: send the upload operation without an Authorization header.", http.StatusBadRequest)
		return
	}
	s.uploads.ServeHTTP(w, r)
}

// assetAttributes are the attributes of an appScreenshots resource that
// the upload flow uses.
type assetAttributes struct {
	FileName           string             `json:"fileName"`
	FileSize           int                `json:"fileSize"`
	SourceFileChecksum *string            `json:"sourceFileChecksum"`
	AssetToken         string             `json:"assetToken,omitempty"`
	AssetType          string             `json:"assetType,omitempty"`
	UploadOperations   []uploadOperation  `json:"uploadOperations"`
	AssetDeliveryState assetDeliveryState `json:"assetDeliveryState"`
}

// uploadOperation is Apple's "UploadOperation": one part of the file to PUT.
type uploadOperation struct {
	Method         string          `json:"method"`
	URL            string          `json:"url"`
	Length         int             `json:"length"`
	Offset         int             `json:"offset"`
	RequestHeaders []requestHeader `json:"requestHeaders"`
}

type requestHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type assetDeliveryState struct {
	State    string  `json:"state"`
	Errors   []Error `json:"errors"`
	Warnings []Error `json:"warnings"`
}

// assetRequest are the attributes of an asset's create and update
// requests.
type assetRequest struct {
	FileName           string  `json:"fileName"`
	FileSize           *int    `json:"fileSize"`
	Uploaded           *bool   `json:"uploaded"`
	SourceFileChecksum *string `json:"sourceFileChecksum"`
}

// reserve makes an asset reservation: POST /v1/appScreenshots with fileName
// and fileSize.
func (s *Server) reserve(w http.ResponseWriter, r *http.Request) {
	req, ok := readRequest[assetRequest](w, r, "appScreenshots")
	if !ok {
		return
	}
	a := req.Data.Attributes
	var contentType string
	switch strings.ToLower(path.Ext(a.FileName)) {
	case ".png":
		contentType = "image/png"
	case ".jpg", ".jpeg":
		contentType = "image/jpeg"
	}
	switch {
	case a.FileName == "":
		writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.REQUIRED", "/data/attributes/fileName", "fileName is required: the name of the file to upload")
		return
	case contentType == "":
		writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/fileName", "fileName must end in .png, .jpg or .jpeg: screenshots are PNG or JPEG images")
		return
	case a.FileSize == nil:
		writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.REQUIRED", "/data/attributes/fileSize", "fileSize is required: the file's length in bytes")
		return
	case *a.FileSize < 1 || *a.FileSize > maxUploadFile:
		writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/fileSize",
			fmt.Sprintf("fileSize must be from 1 to %d bytes in this fake", maxUploadFile))
		return
	}
	u := &upload{
		id:          fakeserver.NewUUID(),
		fileName:    a.FileName,
		contentType: contentType,
		size:        *a.FileSize,
		state:       stateAwaitingUpload,
	}
	s.mu.Lock()
	if s.uploadBytes+u.size > maxUploadTotal {
		s.mu.Unlock()
		writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/fileSize",
			fmt.Sprintf("this fake keeps at most %d bytes of uncommitted uploads; commit the others first", maxUploadTotal))
		return
	}
	s.uploadBytes += u.size
	u.partSize = s.partSize
	u.parts = make([][]byte, u.partCount())
	s.uploadsByID[u.id] = u
	doc := s.assetDocument(r, u)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, doc)
}

// assetDocument is u as Apple answers it. Call with s.mu held.
func (s *Server) assetDocument(r *http.Request, u *upload) document {
	attrs := assetAttributes{
		FileName:           u.fileName,
		FileSize:           u.size,
		AssetToken:         "asctest/" + u.id + "/" + u.fileName,
		AssetType:          "SCREENSHOT",
		AssetDeliveryState: assetDeliveryState{State: u.state, Errors: []Error{}},
	}
	if u.checksum != "" {
		attrs.SourceFileChecksum = &u.checksum
	}
	if u.state == stateAwaitingUpload {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		for i := range u.parts {
			offset := i * u.partSize
			attrs.UploadOperations = append(attrs.UploadOperations, uploadOperation{
				Method: http.MethodPut,
				URL:    fmt.Sprintf("%s://%s/upload/%s/%d", scheme, UploadHost, u.id, i+1),
				Length: min(u.partSize, u.size-offset),
				Offset: offset,
				RequestHeaders: []requestHeader{
					{Name: "Content-Type", Value: u.contentType},
				},
			})
		}
	}
	base := baseURL(r)
	return document{
		Data: map[string]any{
			"type":       "appScreenshots",
			"id":         u.id,
			"attributes": attrs,
			"links":      map[string]string{"self": base + "/v1/appScreenshots/" + u.id},
		},
		Links: map[string]string{"self": base + "/v1/appScreenshots/" + u.id},
	}
}

// putPart stores one part: PUT /upload/{id}/{part} on the upload origin,
// with exactly the operation's length and request headers.
func (s *Server) putPart(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("part"))
	s.mu.Lock()
	u := s.uploadsByID[r.PathValue("id")]
	var want int
	var contentType string
	found := u != nil && u.state == stateAwaitingUpload && err == nil && n >= 1 && n <= len(u.parts)
	if found {
		want = min(u.partSize, u.size-(n-1)*u.partSize)
		contentType = u.contentType
	}
	s.mu.Unlock()
	if !found {
		http.Error(w, "no such upload operation, or its asset is already committed", http.StatusNotFound)
		return
	}
	if got := r.Header.Get("Content-Type"); got != contentType {
		http.Error(w, fmt.Sprintf("the upload operation's requestHeaders ask for Content-Type %s; send each of them", contentType), http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(want)+1))
	if err != nil {
		http.Error(w, "the part could not be read", http.StatusBadRequest)
		return
	}
	if len(body) != want {
		http.Error(w, fmt.Sprintf("the part is %s bytes; the upload operation's length is %d: send bytes offset to offset+length of the file", lengthWord(len(body), want), want), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if u.state == stateAwaitingUpload {
		u.parts[n-1] = body
		s.stats.PartsReceived++
	}
	s.mu.Unlock()
}

// lengthWord says how long a part was without implying its exact length
// past the one expected: "more than 10" or "7".
func lengthWord(got, want int) string {
	if got > want {
		return "more than " + strconv.Itoa(want)
	}
	return strconv.Itoa(got)
}

// commit completes an upload: PATCH /v1/appScreenshots/{id} with uploaded
// true and, optionally, the file's MD5 as sourceFileChecksum. It answers 200
// with the state COMPLETE when every part arrived and the checksum (if
// given) matches; 409 otherwise.
func (s *Server) commit(w http.ResponseWriter, r *http.Request) {
	req, ok := readRequest[assetRequest](w, r, "appScreenshots")
	if !ok {
		return
	}
	id := r.PathValue("id")
	if req.Data.ID != id {
		writeEntityError(w, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/id", "The id in the request body does not match the id in the URL")
		return
	}
	status, body := s.complete(r, id, req.Data.Attributes.Uploaded, req.Data.Attributes.SourceFileChecksum)
	writeJSON(w, status, body)
}

// complete does the commit under the lock and returns the answer, written
// after the lock is released so that a slow client holds no other request.
func (s *Server) complete(r *http.Request, id string, uploaded *bool, checksum *string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploadsByID[id]
	if u == nil {
		return http.StatusNotFound, notFound("appScreenshots")
	}
	if uploaded != nil && *uploaded && u.state == stateAwaitingUpload {
		if missing := u.missing(); len(missing) > 0 {
			return http.StatusConflict, ErrorResponse{Errors: []Error{{
				Status: "409", Code: "STATE_ERROR", Title: "The request cannot be fulfilled because of the state of another resource.",
				Detail: fmt.Sprintf("%d of %d upload operations have not been done (part %s); PUT each part to its URL before committing", len(missing), len(u.parts), partList(missing)),
			}}}
		}
		h := md5.New()
		for _, p := range u.parts {
			h.Write(p)
		}
		sum := hex.EncodeToString(h.Sum(nil))
		if checksum != nil && !strings.EqualFold(*checksum, sum) {
			return http.StatusConflict, entityError("ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/sourceFileChecksum",
				"sourceFileChecksum is not the MD5 of the uploaded parts: a part was corrupted, or the checksum is of another file")
		}
		u.state, u.checksum, u.parts = stateComplete, sum, nil
		s.uploadBytes -= u.size
	}
	return http.StatusOK, s.assetDocument(r, u)
}

func notFound(typ string) ErrorResponse {
	return ErrorResponse{Errors: []Error{{Status: "404", Code: "NOT_FOUND", Title: "The specified resource does not exist",
		Detail: "There is no resource of type '" + typ + "' with this id"}}}
}

// partList names the first few missing parts.
func partList(m []int) string {
	var b strings.Builder
	for i, n := range m {
		if i == 5 {
			fmt.Fprintf(&b, ", ... (%d more)", len(m)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// getScreenshot reads an asset, to see its delivery state.
func (s *Server) getScreenshot(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.uploadsByID[r.PathValue("id")]
	var doc document
	if u != nil {
		doc = s.assetDocument(r, u)
	}
	s.mu.Unlock()
	if u == nil {
		writeJSON(w, http.StatusNotFound, notFound("appScreenshots"))
		return
	}
	writeJSON(w, http.StatusOK, doc)
}
