package apns

// The reasons APNs gives in the JSON body of a push it does not take,
// {"reason":"BadDeviceToken"}, with the status each comes with: every error
// string of the table in Apple's "Handling notification responses from
// APNs". [Error.Reason] holds one of them (or a newer one, which this list
// does not know yet). Apple's advice on the same page: do not send again a
// push refused with BadDeviceToken, DeviceTokenNotForTopic, Forbidden,
// ExpiredToken, Unregistered or PayloadTooLarge; one refused with
// TooManyRequests may be sent again after a delay; one refused with a 5xx
// after 15 minutes; any other 4xx once its cause is fixed.
const (
	// ReasonBadCollapseID (400): apns-collapse-id is longer than APNs
	// allows (64 bytes).
	ReasonBadCollapseID = "BadCollapseId"
	// ReasonBadDeviceToken (400): the device token in the path is not one;
	// often a token of the other environment (sandbox and production
	// tokens differ).
	ReasonBadDeviceToken = "BadDeviceToken"
	// ReasonBadExpirationDate (400): apns-expiration is not a valid value.
	ReasonBadExpirationDate = "BadExpirationDate"
	// ReasonBadMessageID (400): apns-id is not a UUID.
	ReasonBadMessageID = "BadMessageId"
	// ReasonBadPriority (400): apns-priority is not one of 10, 5 and 1.
	ReasonBadPriority = "BadPriority"
	// ReasonBadTopic (400): apns-topic is not a valid topic.
	ReasonBadTopic = "BadTopic"
	// ReasonDeviceTokenNotForTopic (400): the device token belongs to
	// another topic (another app, or the app's VoIP or complication topic).
	ReasonDeviceTokenNotForTopic = "DeviceTokenNotForTopic"
	// ReasonDuplicateHeaders (400): a header was sent more than once.
	ReasonDuplicateHeaders = "DuplicateHeaders"
	// ReasonIdleTimeout (400): the connection was idle too long.
	ReasonIdleTimeout = "IdleTimeout"
	// ReasonInvalidPushType (400): apns-push-type is not one APNs knows.
	ReasonInvalidPushType = "InvalidPushType"
	// ReasonMissingDeviceToken (400): the path holds no device token.
	ReasonMissingDeviceToken = "MissingDeviceToken"
	// ReasonMissingTopic (400): no apns-topic, which token-based
	// connections require.
	ReasonMissingTopic = "MissingTopic"
	// ReasonPayloadEmpty (400): the request has no body.
	ReasonPayloadEmpty = "PayloadEmpty"
	// ReasonTopicDisallowed (400): pushes to this topic are not allowed.
	ReasonTopicDisallowed = "TopicDisallowed"

	// ReasonBadCertificate (403): the client certificate is not valid
	// (certificate-based connections only).
	ReasonBadCertificate = "BadCertificate"
	// ReasonBadCertificateEnvironment (403): the client certificate is for
	// the other environment.
	ReasonBadCertificateEnvironment = "BadCertificateEnvironment"
	// ReasonExpiredProviderToken (403): the provider token's iat is more
	// than an hour old; make a new token ([NewTokenSource]'s source does,
	// and the Transport sends the push once more with it).
	ReasonExpiredProviderToken = "ExpiredProviderToken"
	// ReasonForbidden (403): the action is not allowed.
	ReasonForbidden = "Forbidden"
	// ReasonInvalidProviderToken (403): the provider token does not verify:
	// a wrong key, key ID or team ID, or a revoked key.
	ReasonInvalidProviderToken = "InvalidProviderToken"
	// ReasonMissingProviderToken (403): the request has no authorization
	// header and the connection no client certificate.
	ReasonMissingProviderToken = "MissingProviderToken"
	// ReasonUnrelatedKeyIDInToken (403): the token's key is not related to
	// the key of the connection's first push; a token of this key needs a
	// connection of its own.
	ReasonUnrelatedKeyIDInToken = "UnrelatedKeyIdInToken"
	// ReasonBadEnvironmentKeyIDInToken (403): the token's key is
	// restricted to the other environment (sandbox or production).
	ReasonBadEnvironmentKeyIDInToken = "BadEnvironmentKeyIdInToken"

	// ReasonBadPath (404): the path is not /3/device/{device token}.
	ReasonBadPath = "BadPath"

	// ReasonMethodNotAllowed (405): the method is not POST.
	ReasonMethodNotAllowed = "MethodNotAllowed"

	// ReasonExpiredToken (410): the device token has expired; stop sending
	// to it.
	ReasonExpiredToken = "ExpiredToken"
	// ReasonUnregistered (410): the device token is no longer active for
	// the topic (the app was removed, say) since [Error.Timestamp]; stop
	// sending to it.
	ReasonUnregistered = "Unregistered"

	// ReasonPayloadTooLarge (413): the payload is over [MaxPayloadSize]
	// ([MaxVoIPPayloadSize] for a VoIP push).
	ReasonPayloadTooLarge = "PayloadTooLarge"

	// ReasonTooManyProviderTokenUpdates (429): the connection's provider
	// token changed too often: tokens were made less than
	// [MinTokenInterval] apart, or two keys share one connection.
	ReasonTooManyProviderTokenUpdates = "TooManyProviderTokenUpdates"
	// ReasonTooManyRequests (429): too many pushes to this one device
	// token in a row; send again later, not at once.
	ReasonTooManyRequests = "TooManyRequests"

	// ReasonInternalServerError (500): APNs failed.
	ReasonInternalServerError = "InternalServerError"

	// ReasonServiceUnavailable (503): APNs is unavailable.
	ReasonServiceUnavailable = "ServiceUnavailable"
	// ReasonShutdown (503): the APNs server is shutting down; open a new
	// connection.
	ReasonShutdown = "Shutdown"
)
