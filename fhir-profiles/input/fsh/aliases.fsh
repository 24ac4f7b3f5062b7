// External code and identifier systems.
Alias: $sct = http://snomed.info/sct
Alias: $loinc = http://loinc.org
Alias: $icd10 = http://hl7.org/fhir/sid/icd-10
Alias: $icd10uk = http://hl7.org/fhir/sid/icd-10-uk
Alias: $obsStatus = http://hl7.org/fhir/observation-status
Alias: $taskCode = http://hl7.org/fhir/CodeSystem/task-code
Alias: $consentScope = http://terminology.hl7.org/CodeSystem/consentscope
Alias: $v3ActCode = http://terminology.hl7.org/CodeSystem/v3-ActCode
Alias: $v3ParticipationType = http://terminology.hl7.org/CodeSystem/v3-ParticipationType
Alias: $nhsNumber = https://fhir.nhs.uk/Id/nhs-number
Alias: $odsCode = https://fhir.nhs.uk/Id/ods-organization-code

// Project systems: these equal CODE_SYSTEM and ID_SYSTEM in src/domain/codes.ts.
Alias: $fitNoteAdvice = https://fitnote-prompt.example/fhir/CodeSystem/fit-note-advice
Alias: $serviceType = https://fitnote-prompt.example/fhir/CodeSystem/referral-service-type
Alias: $modality = https://fitnote-prompt.example/fhir/CodeSystem/assessment-modality
Alias: $overrideReason = https://fitnote-prompt.example/fhir/CodeSystem/prompt-override-reason
Alias: $employmentStatus = https://fitnote-prompt.example/fhir/CodeSystem/employment-status
Alias: $employmentDetail = https://fitnote-prompt.example/fhir/CodeSystem/employment-detail
Alias: $shareCategory = https://fitnote-prompt.example/fhir/CodeSystem/referral-share-category
Alias: $referralId = https://fitnote-prompt.example/fhir/Id/referral
Alias: $providerId = https://fitnote-prompt.example/fhir/Id/provider
Alias: $referralOutcome = https://fitnote-prompt.example/fhir/CodeSystem/referral-outcome
Alias: $returnToWorkGoal = https://fitnote-prompt.example/fhir/CodeSystem/return-to-work-goal
Alias: $referralBusinessStatus = https://fitnote-prompt.example/fhir/CodeSystem/referral-business-status
Alias: $referralDeclineReason = https://fitnote-prompt.example/fhir/CodeSystem/referral-decline-reason
