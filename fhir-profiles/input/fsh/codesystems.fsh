// Project code systems, each with a ValueSet of all its codes. The codes equal the arrays in
// src/domain/codes.ts (tests/integration/profiles.test.ts keeps them identical).

CodeSystem: FitNoteAdviceCodes
Id: fit-note-advice
Title: "Fit note functional advice"
Description: "The four functional-advice options a clinician can tick on a \"may be fit for work\" fit note (Med3), and whether the patient needs to be assessed again at the end of the period."
* ^caseSensitive = true
* ^experimental = false
* #phased-return "Phased return to work" "The patient may be fit for work with a phased return."
* #altered-hours "Altered hours" "The patient may be fit for work with altered hours."
* #amended-duties "Amended duties" "The patient may be fit for work with amended duties."
* #workplace-adaptations "Workplace adaptations" "The patient may be fit for work with workplace adaptations."
* #assess-again "Assess fitness for work again" "The clinician will need to assess the patient's fitness for work again at the end of the period."

ValueSet: FitNoteAdviceVS
Id: fit-note-advice
Title: "Fit note functional advice (all codes)"
Description: "Every code of the fit-note-advice code system."
* ^experimental = false
* include codes from system FitNoteAdviceCodes

ValueSet: FitNoteAdviceOptionsVS
Id: fit-note-advice-options
Title: "Fit note functional-advice options"
Description: "The four functional-advice options on a \"may be fit for work\" fit note (everything in fit-note-advice except assess-again)."
* ^experimental = false
* $fitNoteAdvice#phased-return "Phased return to work"
* $fitNoteAdvice#altered-hours "Altered hours"
* $fitNoteAdvice#amended-duties "Amended duties"
* $fitNoteAdvice#workplace-adaptations "Workplace adaptations"

CodeSystem: ReferralServiceTypeCodes
Id: referral-service-type
Title: "Work and health referral service type"
Description: "The kinds of work-and-health service a GP can refer a patient to from a fit-note prompt."
* ^caseSensitive = true
* ^experimental = false
* #oh-assessment "Occupational health assessment"
* #employment-support "Work coach / employment support"
* #physiotherapy "Physiotherapy"
* #psychological-therapy "Psychological therapy"
* #case-management "Case management"
* #workplace-mediation "Workplace mediation"
* #debt-benefits-advice "Debt and benefits advice"

ValueSet: ReferralServiceTypeVS
Id: referral-service-type
Title: "Work and health referral service type (all codes)"
Description: "Every code of the referral-service-type code system."
* ^experimental = false
* include codes from system ReferralServiceTypeCodes

CodeSystem: AssessmentModalityCodes
Id: assessment-modality
Title: "Assessment modality"
Description: "How the provider will see the patient."
* ^caseSensitive = true
* ^experimental = false
* #telephone "Telephone"
* #video "Video"
* #face-to-face "Face to face"

ValueSet: AssessmentModalityVS
Id: assessment-modality
Title: "Assessment modality (all codes)"
Description: "Every code of the assessment-modality code system."
* ^experimental = false
* include codes from system AssessmentModalityCodes

ValueSet: ReferralOrderDetailVS
Id: referral-order-detail
Title: "Work and health referral order detail"
Description: "What ServiceRequest.orderDetail may hold on a work and health referral: service types beyond the first, and the assessment modality."
* ^experimental = false
* include codes from system ReferralServiceTypeCodes
* include codes from system AssessmentModalityCodes

CodeSystem: PromptOverrideReasonCodes
Id: prompt-override-reason
Title: "Prompt override reason"
Description: "Why a clinician dismissed a fit-note referral prompt (CDS Hooks card overrideReasons)."
* ^caseSensitive = true
* ^experimental = false
* #patient-declined "Patient declined"
* #already-receiving-support "Already receiving support"
* #employer-oh-in-place "Employer occupational health in place"
* #not-clinically-appropriate "Not clinically appropriate"
* #other "Other"

ValueSet: PromptOverrideReasonVS
Id: prompt-override-reason
Title: "Prompt override reason (all codes)"
Description: "Every code of the prompt-override-reason code system."
* ^experimental = false
* include codes from system PromptOverrideReasonCodes

CodeSystem: EmploymentStatusCodes
Id: employment-status
Title: "Employment status"
Description: "The patient's employment status, as prompt rules and the provider directory filter on it."
* ^caseSensitive = true
* ^experimental = false
* #employed "Employed"
* #self-employed "Self-employed"
* #unemployed "Unemployed"
* #student "Student"
* #retired "Retired"
* #not-in-work "Not in work" "Not in paid work for another reason, for example long-term sick, caring or homemaker."
* #unknown "Not known" "The record does not say; used by rules, never recorded on an EmploymentStatus observation."

ValueSet: EmploymentStatusVS
Id: employment-status
Title: "Employment status (all codes)"
Description: "Every code of the employment-status code system."
* ^experimental = false
* include codes from system EmploymentStatusCodes

ValueSet: EmploymentStatusRecordedVS
Id: employment-status-recorded
Title: "Employment status as recorded"
Description: "The employment-status codes an EmploymentStatus observation may hold: every code except unknown (an unknown status is recorded by having no observation)."
* ^experimental = false
* $employmentStatus#employed "Employed"
* $employmentStatus#self-employed "Self-employed"
* $employmentStatus#unemployed "Unemployed"
* $employmentStatus#student "Student"
* $employmentStatus#retired "Retired"
* $employmentStatus#not-in-work "Not in work"

CodeSystem: EmploymentDetailCodes
Id: employment-detail
Title: "Employment detail"
Description: "Details of the patient's employer, recorded as components of the EmploymentStatus observation."
* ^caseSensitive = true
* ^experimental = false
* #employer-name "Employer name"
* #employer-size "Employer size" "Number of people the employer employs (headcount)."
* #employer-occupational-health "Employer provides occupational health" "Whether the employer provides an occupational health service."

ValueSet: EmploymentDetailVS
Id: employment-detail
Title: "Employment detail (all codes)"
Description: "Every code of the employment-detail code system."
* ^experimental = false
* include codes from system EmploymentDetailCodes

CodeSystem: ReferralShareCategoryCodes
Id: referral-share-category
Title: "Referral share category"
Description: "What a referral's Consent lets the practice share, with the provider and separately with the employer."
* ^caseSensitive = true
* ^experimental = false
* #contact-details "Contact details"
* #fit-note-dates "Fit note dates"
* #diagnosis "Diagnosis"
* #functional-advice "Functional advice on the fit note"
* #employment-details "Employment details"
* #clinical-notes "Clinical notes"

ValueSet: ReferralShareCategoryVS
Id: referral-share-category
Title: "Referral share category (all codes)"
Description: "Every code of the referral-share-category code system."
* ^experimental = false
* include codes from system ReferralShareCategoryCodes

ValueSet: FitNoteStatusVS
Id: fit-note-status
Title: "Fit note status"
Description: "The Observation statuses a fit note may have: a fit note is a signed statement, so only final, amended or corrected."
* ^experimental = false
* $obsStatus#final "Final"
* $obsStatus#amended "Amended"
* $obsStatus#corrected "Corrected"

ValueSet: FitNoteOutcomeVS
Id: fit-note-outcome
Title: "Fit note outcome"
Description: "The clinician's finding on a fit note: not fit for work, or may be fit for work (with restrictions)."
* ^experimental = false
* $sct#160910001 "Unfit for work"
* $sct#225891002 "Fit for work with restrictions"

// What providers report back on a referral's Task (src/fhir/taskOutcome.ts); the codes equal the
// arrays in src/domain/outcome.ts and REFERRAL_OUTPUT_TYPES in src/fhir/taskOutcome.ts.

CodeSystem: ReferralOutcomeCodes
Id: referral-outcome
Title: "Referral outcome output type"
Description: "What each Task.output of a completed work and health referral holds."
* ^caseSensitive = true
* ^experimental = false
* #return-to-work-goal "Return-to-work goal" "Where the patient is heading, as the provider judges it at the end of the work (valueCodeableConcept from return-to-work-goal)."
* #adjustment "Recommended adjustment" "An adjustment the GP can use on the next fit note (valueCodeableConcept from fit-note-advice, with text)."
* #report "Report" "The provider's short report to the GP (valueReference to a DocumentReference)."

ValueSet: ReferralOutcomeVS
Id: referral-outcome
Title: "Referral outcome output type (all codes)"
Description: "Every code of the referral-outcome code system."
* ^experimental = false
* include codes from system ReferralOutcomeCodes

CodeSystem: ReturnToWorkGoalCodes
Id: return-to-work-goal
Title: "Return-to-work goal"
Description: "Where a patient is heading at the end of a work and health provider's work."
* ^caseSensitive = true
* ^experimental = false
* #same-role "Return to the same role"
* #different-role-same-employer "A different role with the same employer"
* #different-employer "Work with a different employer"

ValueSet: ReturnToWorkGoalVS
Id: return-to-work-goal
Title: "Return-to-work goal (all codes)"
Description: "Every code of the return-to-work-goal code system."
* ^experimental = false
* include codes from system ReturnToWorkGoalCodes

CodeSystem: ReferralBusinessStatusCodes
Id: referral-business-status
Title: "Referral business status"
Description: "Where an accepted work and health referral is, as the provider's Task.businessStatus."
* ^caseSensitive = true
* ^experimental = false
* #contacted "Patient contacted"
* #scheduled "Appointment booked"
* #did-not-attend "Did not attend"

ValueSet: ReferralBusinessStatusVS
Id: referral-business-status
Title: "Referral business status (all codes)"
Description: "Every code of the referral-business-status code system."
* ^experimental = false
* include codes from system ReferralBusinessStatusCodes

CodeSystem: ReferralDeclineReasonCodes
Id: referral-decline-reason
Title: "Referral decline reason"
Description: "Why a work and health provider declines a referral (Task.statusReason when the Task is rejected)."
* ^caseSensitive = true
* ^experimental = false
* #not-eligible "The patient does not meet the service's criteria"
* #outside-area "The patient lives or works outside the service's area"
* #no-capacity "The service cannot take new referrals at the moment"
* #already-supported "The patient is already being supported by the service"
* #patient-declined "The patient did not want the service"
* #other "Another reason"

ValueSet: ReferralDeclineReasonVS
Id: referral-decline-reason
Title: "Referral decline reason (all codes)"
Description: "Every code of the referral-decline-reason code system."
* ^experimental = false
* include codes from system ReferralDeclineReasonCodes
