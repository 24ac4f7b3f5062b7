// Example instances, one or more per profile, from the vignettes (research/vignettes.md).
// Peter: call-centre worker off four weeks with depression and anxiety; case-managed support with
// workplace mediation; nothing clinical goes to his employer. John: delivery driver, back pain, a
// "may be fit" note with amended duties. NHS numbers are in the 999 test range and pass modulus 11;
// the practice ODS code and every organisation are synthetic.

Instance: fitnote-peter
InstanceOf: FitNote
Usage: #example
Title: "Peter: not fit for work, mixed anxiety and depression"
Description: "Peter's current fit note: not fit for work for four weeks."
* status = #final
* code = $sct#365524007 "Fitness for work - finding"
* subject = Reference(Patient/peter) "Peter Example"
* subject.identifier.system = $nhsNumber
* subject.identifier.value = "9990000026"
* effectivePeriod.start = "2026-10-24"
* effectivePeriod.end = "2026-11-20"
* issued = "2026-10-26T09:40:00Z"
* performer = Reference(Practitioner/gp-example) "Dr A Example"
* valueCodeableConcept = $sct#160910001 "Unfit for work"
* component[diagnosis].code = $sct#439401001 "Diagnosis"
* component[diagnosis].valueCodeableConcept = $sct#231504006 "Mixed anxiety and depressive disorder"
* component[diagnosis].valueCodeableConcept.coding[1] = $icd10#F41.2 "Mixed anxiety and depressive disorder"
* component[diagnosis].valueCodeableConcept.text = "Anxiety and depression"
* component[assessAgain].code = $fitNoteAdvice#assess-again "Assess fitness for work again"
* component[assessAgain].valueBoolean = true

Instance: fitnote-john
InstanceOf: FitNote
Usage: #example
Title: "John: may be fit for work with amended duties, low back pain"
Description: "John's fit note for a recurrence of back pain: may be fit for office-based work for four weeks."
* status = #final
* code = $sct#365524007 "Fitness for work - finding"
* subject = Reference(Patient/john) "John Example"
* subject.identifier.system = $nhsNumber
* subject.identifier.value = "9990000018"
* effectivePeriod.start = "2026-11-16"
* effectivePeriod.end = "2026-12-13"
* issued = "2026-11-16T11:05:00Z"
* performer = Reference(Practitioner/gp-example) "Dr A Example"
* valueCodeableConcept = $sct#225891002 "Fit for work with restrictions"
* component[diagnosis].code = $sct#439401001 "Diagnosis"
* component[diagnosis].valueCodeableConcept = $sct#279039007 "Low back pain"
* component[diagnosis].valueCodeableConcept.coding[1] = $icd10#M54.5 "Low back pain"
* component[diagnosis].valueCodeableConcept.text = "Low back pain (third episode this year)"
* component[assessAgain].code = $fitNoteAdvice#assess-again "Assess fitness for work again"
* component[assessAgain].valueBoolean = false
* component[advice][+].code = $fitNoteAdvice#amended-duties "Amended duties"
* component[advice][=].valueString = "No heavy lifting, twisting or bending. Could do office-based work for the next four weeks."
* component[advice][+].code = $fitNoteAdvice#altered-hours "Altered hours"
* component[advice][=].valueString = "Shorter shifts to avoid long periods of sitting."

Instance: employment-status-peter
InstanceOf: EmploymentStatus
Usage: #example
Title: "Peter: employed by a contact centre with occupational health"
* status = #final
* code = $loinc#74165-2 "History of employment status"
* subject = Reference(Patient/peter) "Peter Example"
* effectiveDateTime = "2026-11-20"
* valueCodeableConcept = $employmentStatus#employed "Employed"
* component[employerName].code = $employmentDetail#employer-name "Employer name"
* component[employerName].valueString = "Example Contact Centre Ltd"
* component[employerSize].code = $employmentDetail#employer-size "Employer size"
* component[employerSize].valueInteger = 250
* component[employerOccupationalHealth].code = $employmentDetail#employer-occupational-health "Employer provides occupational health"
* component[employerOccupationalHealth].valueBoolean = true

Instance: occupation-peter
InstanceOf: Occupation
Usage: #example
Title: "Peter: call-centre adviser"
* status = #final
* code = $loinc#11341-5 "History of Occupation"
* subject = Reference(Patient/peter) "Peter Example"
* valueCodeableConcept.text = "Call-centre adviser"

Instance: RequesterRolePeter
InstanceOf: PractitionerRole
Usage: #inline
* id = "requester"
* practitioner = Reference(Practitioner/gp-example) "Dr A Example"
* organization.identifier.system = $odsCode
* organization.identifier.value = "A12345"
* organization.display = "Example Street Surgery"

Instance: referral-peter
InstanceOf: WorkHealthReferral
Usage: #example
Title: "Peter: case management with workplace mediation"
Description: "Peter's referral to a case-managed work and health service, asking for workplace mediation, by telephone."
* contained[0] = RequesterRolePeter
* identifier[referral].system = $referralId
* identifier[referral].value = "7d3f5b2a-9c41-5e08-b6d2-1a4c8e0f9b37"
* status = #active
* intent = #order
* category = $sct#306206005 "Referral to service"
* code = $serviceType#case-management "Case management"
* orderDetail[0] = $serviceType#workplace-mediation "Workplace mediation"
* orderDetail[1] = $modality#telephone "Telephone"
* subject = Reference(Patient/peter) "Peter Example"
* subject.identifier.system = $nhsNumber
* subject.identifier.value = "9990000026"
* authoredOn = "2026-11-20T10:20:00Z"
* requester.reference = "#requester"
* requester.display = "Dr A Example, Example Street Surgery"
* performer.type = "HealthcareService"
* performer.identifier.system = $providerId
* performer.identifier.value = "work-wellbeing-case-management"
* performer.display = "Example Work Wellbeing Service"
* reasonCode.text = "Off work with anxiety and depression for four weeks; difficulties with his line manager"
* reasonReference = Reference(Observation/fitnote-peter)
* supportingInfo[0] = Reference(Consent/consent-peter)
* supportingInfo[1] = Reference(Observation/employment-status-peter)
* supportingInfo[2] = Reference(Observation/occupation-peter)
* note.text = "Wants support to return; please do not contact his employer without speaking to him first."
* patientInstruction = "Prefers telephone calls on weekday mornings."

Instance: consent-peter
InstanceOf: ReferralConsent
Usage: #example
Title: "Peter: what may be shared with the provider and with his employer"
Description: "Peter agrees the provider may see his details, fit-note dates, diagnosis, advice and employment details; his employer may be told the fit-note dates only, never his diagnosis or clinical notes."
* status = #active
* scope = $consentScope#patient-privacy "Privacy Consent"
* category[privacyConsent] = $loinc#59284-0 "Patient Consent"
* patient = Reference(Patient/peter) "Peter Example"
* dateTime = "2026-11-20T10:18:00Z"
* performer = Reference(Patient/peter) "Peter Example"
* organization.identifier.system = $odsCode
* organization.identifier.value = "A12345"
* organization.display = "Example Street Surgery"
* policyRule = $v3ActCode#OPTIN "opt-in"
* provision.type = #permit
* provision.provision[0].type = #permit
* provision.provision[0].actor.role = $v3ParticipationType#IRCP "information recipient"
* provision.provision[0].actor.reference.identifier.system = $providerId
* provision.provision[0].actor.reference.identifier.value = "work-wellbeing-case-management"
* provision.provision[0].actor.reference.display = "Example Work Wellbeing Service"
* provision.provision[0].code[0] = $shareCategory#contact-details "Contact details"
* provision.provision[0].code[1] = $shareCategory#fit-note-dates "Fit note dates"
* provision.provision[0].code[2] = $shareCategory#diagnosis "Diagnosis"
* provision.provision[0].code[3] = $shareCategory#functional-advice "Functional advice on the fit note"
* provision.provision[0].code[4] = $shareCategory#employment-details "Employment details"
* provision.provision[1].type = #permit
* provision.provision[1].actor.role = $v3ParticipationType#IRCP "information recipient"
* provision.provision[1].actor.reference.display = "Example Contact Centre Ltd (employer)"
* provision.provision[1].code[0] = $shareCategory#fit-note-dates "Fit note dates"
* provision.provision[2].type = #deny
* provision.provision[2].actor.role = $v3ParticipationType#IRCP "information recipient"
* provision.provision[2].actor.reference.display = "Example Contact Centre Ltd (employer)"
* provision.provision[2].code[0] = $shareCategory#diagnosis "Diagnosis"
* provision.provision[2].code[1] = $shareCategory#clinical-notes "Clinical notes"

Instance: task-referral-peter
InstanceOf: ReferralTask
Usage: #example
Title: "Peter: referral task, requested"
* identifier[referral].system = $referralId
* identifier[referral].value = "7d3f5b2a-9c41-5e08-b6d2-1a4c8e0f9b37"
* status = #requested
* intent = #order
* code = $taskCode#fulfill "Fulfill the focal request"
* focus = Reference(ServiceRequest/referral-peter)
* for = Reference(Patient/peter) "Peter Example"
* authoredOn = "2026-11-20T10:20:00Z"
* requester = Reference(Practitioner/gp-example) "Dr A Example"
* owner.type = "HealthcareService"
* owner.identifier.system = $providerId
* owner.identifier.value = "work-wellbeing-case-management"
* owner.display = "Example Work Wellbeing Service"

Instance: ReportPeter
InstanceOf: DocumentReference
Usage: #inline
* id = "report"
* status = #current
* description = "Case management: closing summary"
* content[0].attachment.contentType = #text/plain
* content[0].attachment.title = "Case management: closing summary"
* content[0].attachment.data = "UGV0ZXIgaGFzIGFncmVlZCBhIHBoYXNlZCByZXR1cm4gd2l0aCBoaXMgZW1wbG95ZXIu"

Instance: task-referral-peter-completed
InstanceOf: ReferralTask
Usage: #example
Title: "Peter: referral task, completed with an outcome"
* contained[0] = ReportPeter
* identifier[referral].system = $referralId
* identifier[referral].value = "7d3f5b2a-9c41-5e08-b6d2-1a4c8e0f9b37"
* status = #completed
* businessStatus = $referralBusinessStatus#contacted "Patient contacted"
* intent = #order
* code = $taskCode#fulfill "Fulfill the focal request"
* focus = Reference(ServiceRequest/referral-peter)
* for = Reference(Patient/peter) "Peter Example"
* authoredOn = "2026-11-20T10:20:00Z"
* lastModified = "2026-12-18T15:00:00Z"
* requester = Reference(Practitioner/gp-example) "Dr A Example"
* owner.type = "HealthcareService"
* owner.identifier.system = $providerId
* owner.identifier.value = "work-wellbeing-case-management"
* owner.display = "Example Work Wellbeing Service"
* output[0].type = $referralOutcome#return-to-work-goal "Return-to-work goal"
* output[0].valueCodeableConcept = $returnToWorkGoal#same-role "Return to the same role"
* output[1].type = $referralOutcome#adjustment "Recommended adjustment"
* output[1].valueCodeableConcept = $fitNoteAdvice#phased-return "Phased return to work"
* output[1].valueCodeableConcept.text = "Four-hour days for two weeks, then full days"
* output[2].type = $referralOutcome#report "Report"
* output[2].valueReference.reference = "#report"
* output[2].valueReference.display = "Case management: closing summary"
