package appstore

// Apple's enumerations. Each is a string or a small integer type, so that a
// value Apple adds after this version is kept as it came, not refused: compare
// with the constants, and treat any other value as one you do not know yet.

// Environment is the App Store environment signed data belongs to, spelled
// as Apple spells it.
type Environment string

// The environments.
const (
	Production Environment = "Production"
	Sandbox    Environment = "Sandbox"
	// Xcode is StoreKit testing in Xcode, which signs with a local key: the
	// verifier checks no signature or chain for it.
	Xcode Environment = "Xcode"
	// LocalTesting is for unit tests; like Xcode, nothing is signed by Apple.
	LocalTesting Environment = "LocalTesting"
)

// NotificationType is the event an App Store Server Notification V2
// reports (notificationType).
type NotificationType string

// The notification types.
const (
	NotificationConsumptionRequest     NotificationType = "CONSUMPTION_REQUEST"
	NotificationDidChangeRenewalPref   NotificationType = "DID_CHANGE_RENEWAL_PREF"
	NotificationDidChangeRenewalStatus NotificationType = "DID_CHANGE_RENEWAL_STATUS"
	NotificationDidFailToRenew         NotificationType = "DID_FAIL_TO_RENEW"
	NotificationDidRenew               NotificationType = "DID_RENEW"
	NotificationExpired                NotificationType = "EXPIRED"
	NotificationExternalPurchaseToken  NotificationType = "EXTERNAL_PURCHASE_TOKEN"
	NotificationGracePeriodExpired     NotificationType = "GRACE_PERIOD_EXPIRED"
	NotificationMetadataUpdate         NotificationType = "METADATA_UPDATE"
	NotificationMigration              NotificationType = "MIGRATION"
	NotificationOfferRedeemed          NotificationType = "OFFER_REDEEMED"
	NotificationOneTimeCharge          NotificationType = "ONE_TIME_CHARGE"
	NotificationPriceChange            NotificationType = "PRICE_CHANGE"
	NotificationPriceIncrease          NotificationType = "PRICE_INCREASE"
	NotificationRefund                 NotificationType = "REFUND"
	NotificationRefundDeclined         NotificationType = "REFUND_DECLINED"
	NotificationRefundReversed         NotificationType = "REFUND_REVERSED"
	NotificationRenewalExtended        NotificationType = "RENEWAL_EXTENDED"
	NotificationRenewalExtension       NotificationType = "RENEWAL_EXTENSION"
	NotificationRescindConsent         NotificationType = "RESCIND_CONSENT"
	NotificationRevoke                 NotificationType = "REVOKE"
	NotificationSubscribed             NotificationType = "SUBSCRIBED"
	NotificationTest                   NotificationType = "TEST"
)

// Subtype says more about some notification types (subtype).
type Subtype string

// The subtypes.
const (
	SubtypeAccepted          Subtype = "ACCEPTED"
	SubtypeAutoRenewDisabled Subtype = "AUTO_RENEW_DISABLED"
	SubtypeAutoRenewEnabled  Subtype = "AUTO_RENEW_ENABLED"
	SubtypeBillingRecovery   Subtype = "BILLING_RECOVERY"
	SubtypeBillingRetry      Subtype = "BILLING_RETRY"
	SubtypeDowngrade         Subtype = "DOWNGRADE"
	SubtypeFailure           Subtype = "FAILURE"
	SubtypeGracePeriod       Subtype = "GRACE_PERIOD"
	SubtypeInitialBuy        Subtype = "INITIAL_BUY"
	SubtypePending           Subtype = "PENDING"
	SubtypePriceIncrease     Subtype = "PRICE_INCREASE"
	SubtypeProductNotForSale Subtype = "PRODUCT_NOT_FOR_SALE"
	SubtypeResubscribe       Subtype = "RESUBSCRIBE"
	SubtypeSummary           Subtype = "SUMMARY"
	SubtypeUnreported        Subtype = "UNREPORTED"
	SubtypeUpgrade           Subtype = "UPGRADE"
	SubtypeVoluntary         Subtype = "VOLUNTARY"
)

// ProductType is the kind of in-app purchase (a transaction's type).
type ProductType string

// The product types.
const (
	AutoRenewableSubscription ProductType = "Auto-Renewable Subscription"
	NonConsumable             ProductType = "Non-Consumable"
	Consumable                ProductType = "Consumable"
	NonRenewingSubscription   ProductType = "Non-Renewing Subscription"
)

// OwnershipType says whether the user bought the product or has it through
// Family Sharing (inAppOwnershipType).
type OwnershipType string

// The ownership types.
const (
	Purchased    OwnershipType = "PURCHASED"
	FamilyShared OwnershipType = "FAMILY_SHARED"
)

// TransactionReason says whether the customer bought the product or the
// system renewed a subscription (transactionReason).
type TransactionReason string

// The transaction reasons.
const (
	ReasonPurchase TransactionReason = "PURCHASE"
	ReasonRenewal  TransactionReason = "RENEWAL"
)

// OfferType is the kind of offer a transaction or renewal uses (offerType);
// zero when there is none.
type OfferType int

// The offer types.
const (
	IntroductoryOffer OfferType = 1
	PromotionalOffer  OfferType = 2
	OfferCode         OfferType = 3
	WinBackOffer      OfferType = 4
)

// OfferDiscountType is the payment mode of an offer (offerDiscountType).
type OfferDiscountType string

// The offer discount types.
const (
	FreeTrial  OfferDiscountType = "FREE_TRIAL"
	PayAsYouGo OfferDiscountType = "PAY_AS_YOU_GO"
	PayUpFront OfferDiscountType = "PAY_UP_FRONT"
	OneTime    OfferDiscountType = "ONE_TIME"
)

// RevocationReason is why the App Store refunded or revoked a transaction
// (revocationReason). Zero is one of Apple's values, so a transaction holds
// a pointer: nil when it was not revoked.
type RevocationReason int

// The revocation reasons.
const (
	RefundedForOtherReason RevocationReason = 0
	RefundedDueToIssue     RevocationReason = 1
)

// RevocationType is the kind of refund or revocation (revocationType).
type RevocationType string

// The revocation types.
const (
	RefundFull     RevocationType = "REFUND_FULL"
	RefundProrated RevocationType = "REFUND_PRORATED"
	FamilyRevoke   RevocationType = "FAMILY_REVOKE"
)

// ExpirationIntent is why a subscription expired (expirationIntent); zero
// when it has not.
type ExpirationIntent int

// The expiration intents.
const (
	CustomerCancelled                    ExpirationIntent = 1
	BillingError                         ExpirationIntent = 2
	CustomerDidNotConsentToPriceIncrease ExpirationIntent = 3
	ProductNotAvailable                  ExpirationIntent = 4
	ExpirationOther                      ExpirationIntent = 5
)

// AutoRenewStatus says whether a subscription renews (autoRenewStatus).
type AutoRenewStatus int

// The auto-renew statuses.
const (
	AutoRenewOff AutoRenewStatus = 0
	AutoRenewOn  AutoRenewStatus = 1
)

// PriceIncreaseStatus says whether the customer has seen a price increase
// (priceIncreaseStatus). Zero is one of Apple's values, so a renewal info
// holds a pointer: nil when there is no price increase.
type PriceIncreaseStatus int

// The price increase statuses.
const (
	PriceIncreaseNotResponded PriceIncreaseStatus = 0
	PriceIncreaseConsented    PriceIncreaseStatus = 1 // or notified without needing consent
)

// SubscriptionStatus is the state of an auto-renewable subscription as of
// a notification's signedDate (status); zero when the notification has none.
type SubscriptionStatus int

// The subscription statuses.
const (
	StatusActive             SubscriptionStatus = 1
	StatusExpired            SubscriptionStatus = 2
	StatusBillingRetry       SubscriptionStatus = 3
	StatusBillingGracePeriod SubscriptionStatus = 4
	StatusRevoked            SubscriptionStatus = 5
)

// ConsumptionRequestReason is why a customer asked for a refund, in a
// CONSUMPTION_REQUEST notification (consumptionRequestReason).
type ConsumptionRequestReason string

// The consumption request reasons.
const (
	UnintendedPurchase      ConsumptionRequestReason = "UNINTENDED_PURCHASE"
	FulfillmentIssue        ConsumptionRequestReason = "FULFILLMENT_ISSUE"
	UnsatisfiedWithPurchase ConsumptionRequestReason = "UNSATISFIED_WITH_PURCHASE"
	Legal                   ConsumptionRequestReason = "LEGAL"
	ConsumptionOther        ConsumptionRequestReason = "OTHER"
)

// PurchasePlatform is the platform a customer first bought the app on
// (originalPlatform).
type PurchasePlatform string

// The purchase platforms.
const (
	IOS      PurchasePlatform = "iOS"
	MacOS    PurchasePlatform = "macOS"
	TvOS     PurchasePlatform = "tvOS"
	VisionOS PurchasePlatform = "visionOS"
)

// BillingPlanType is how a subscription with a commitment is billed
// (billingPlanType, renewalBillingPlanType).
type BillingPlanType string

// The billing plan types.
const (
	BilledUpfront BillingPlanType = "BILLED_UPFRONT"
	Monthly       BillingPlanType = "MONTHLY"
)
