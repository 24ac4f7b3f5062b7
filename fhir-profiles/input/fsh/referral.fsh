Profile: WorkHealthReferral
Parent: ServiceRequest
Id: WorkHealthReferral
Title: "Work and health referral"
Description: "A GP's referral of a patient on a fit note to a work-and-health provider. The business identifier makes every send idempotent (conditional create); the requester is a contained PractitionerRole (#requester) linking the GP to the practice by ODS code."
* ^experimental = false
* identifier 1..*
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier contains referral 1..1
* identifier[referral].system 1..1
* identifier[referral].system = $referralId
* identifier[referral].value 1..1
* intent = #order
* code 1..1
* code from ReferralServiceTypeVS (required)
* code ^short = "The main service type"
* orderDetail from ReferralOrderDetailVS (required)
* orderDetail ^short = "Service types beyond the first, and the assessment modality"
* subject only Reference(Patient)
* subject.identifier.system = $nhsNumber
* subject.identifier ^short = "The patient's NHS number, when known"
* authoredOn 1..1
* requester 1..1
* requester only Reference(PractitionerRole)
* requester ^short = "Reference to the contained PractitionerRole #requester (the GP at the practice)"
* performer 1..1
* performer only Reference(HealthcareService)
* performer.identifier 1..1
* performer.identifier.system 1..1
* performer.identifier.system = $providerId
* performer.identifier.value 1..1
* performer.display 1..1
* reasonReference only Reference(FitNote)
* reasonCode ^short = "The condition, or general wording as text"
* supportingInfo only Reference(ReferralConsent or EmploymentStatus or Occupation or FitNote)
* supportingInfo ^short = "The Consent, employment Observations, and contained copies of the fit notes (#fitnote-1...) when the patient shares their dates"
* contained ^short = "The requester PractitionerRole (#requester) and, when fit-note dates are shared, a FitNote copy of each of the episode's fit notes (#fitnote-1...) holding only what the Consent permits"
* note ^short = "Free text from the referrer"
* patientInstruction ^short = "The patient's contact preferences"

Profile: ReferralConsent
Parent: Consent
Id: ReferralConsent
Title: "Referral consent"
Description: "What the patient agreed the practice may share for a work and health referral: one nested provision per recipient (the provider, and separately the employer), each permitting or denying categories of information."
* ^experimental = false
* status = #active
* scope = $consentScope#patient-privacy
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category contains privacyConsent 1..1
* category[privacyConsent] = $loinc#59284-0
* patient 1..1
* patient only Reference(Patient)
* dateTime 1..1
* performer 1..*
* performer only Reference(Patient or RelatedPerson)
* performer ^short = "The patient (or a person consenting on their behalf)"
* organization 1..1
* organization only Reference(Organization)
* organization.identifier 1..1
* organization.identifier.system 1..1
* organization.identifier.system = $odsCode
* organization.identifier.value 1..1
* policyRule 1..1
* policyRule = $v3ActCode#OPTIN
* provision 1..1
* provision.type 1..1
* provision.type = #permit
* provision.provision 1..*
* provision.provision ^short = "One provision per recipient"
* provision.provision.type 1..1
* provision.provision.actor 1..1
* provision.provision.actor.role = $v3ParticipationType#IRCP
* provision.provision.actor.reference ^short = "The provider by identifier (provider id system), or the employer as a display-only reference"
* provision.provision.actor.reference ^comment = "R4 does not allow Consent.provision.actor.reference to point at a HealthcareService, so the provider is referenced by its identifier (system https://fitnote-prompt.example/fhir/Id/provider) without a type; the employer is a display-only reference."
* provision.provision.code 1..*
* provision.provision.code from ReferralShareCategoryVS (required)
* provision.provision.code ^short = "What may (permit) or may not (deny) be shared with this recipient"

Profile: ReferralTask
Parent: Task
Id: ReferralTask
Title: "Referral task"
Description: "Tracks a work and health referral: its status is the referral's state (requested at creation, then accepted, rejected, in-progress, completed...). The owner is the provider."
* ^experimental = false
* identifier 1..*
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier contains referral 1..1
* identifier[referral].system 1..1
* identifier[referral].system = $referralId
* identifier[referral].value 1..1
* identifier[referral] ^short = "Same value as the ServiceRequest's referral identifier"
* intent = #order
* code 1..1
* code = $taskCode#fulfill
* focus 1..1
* focus only Reference(WorkHealthReferral)
* for 1..1
* for only Reference(Patient)
* authoredOn 1..1
* owner 1..1
* owner only Reference(HealthcareService)
* owner.identifier 1..1
* owner.identifier.system 1..1
* owner.identifier.system = $providerId
* owner.identifier.value 1..1
* owner.display 1..1
* businessStatus from ReferralBusinessStatusVS (extensible)
* businessStatus ^short = "Where an accepted referral is: contacted, scheduled (appointment booked), did-not-attend"
* statusReason from ReferralDeclineReasonVS (extensible)
* statusReason ^short = "Why the provider declined (coded, with the provider's words as text), or the GP's cancellation reason as text"
* output.type from ReferralOutcomeVS (required)
* output ^short = "The outcome on completion: the return-to-work goal, adjustments for the next fit note, and the report (a contained DocumentReference #report)"
