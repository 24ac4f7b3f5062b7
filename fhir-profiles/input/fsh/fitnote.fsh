Profile: FitNote
Parent: Observation
Id: FitNote
Title: "Fit note (Statement of Fitness for Work, Med3)"
Description: "A fit note as an Observation: the clinician's finding (not fit, or may be fit for work), the period it covers, the condition(s), the functional advice and whether the patient needs to be assessed again. The date of assessment is the London calendar date of `issued`."
* ^experimental = false
* status from FitNoteStatusVS (required)
* status ^short = "final | amended | corrected"
* code = $sct#365524007
* code ^short = "Includes SNOMED CT 365524007 |Fitness for work - finding|"
* subject 1..1
* subject only Reference(Patient)
* effective[x] 1..1
* effective[x] only Period
* effectivePeriod.start 1..1
* effectivePeriod.start ^short = "First day the fit note covers"
* effectivePeriod.end ^short = "Last day the fit note covers; absent when the note is open-ended"
* issued 1..1
* issued ^short = "When the fit note was issued; its Europe/London date is the date of assessment"
* performer only Reference(Practitioner or PractitionerRole)
* performer ^short = "The certifying clinician (doctor, nurse, occupational therapist, pharmacist or physiotherapist)"
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept from FitNoteOutcomeVS (required)
* valueCodeableConcept ^short = "Not fit for work (160910001) or may be fit for work (225891002)"
* component ^slicing.discriminator.type = #pattern
* component ^slicing.discriminator.path = "code"
* component ^slicing.rules = #open
* component ^slicing.ordered = false
* component ^slicing.description = "Slices by component.code. assessAgain is declared before advice because an assess-again code also carries the advice slice's code system; the advice slice's required binding excludes it."
* component contains
    diagnosis 0..* and
    assessAgain 0..1 and
    advice 0..*
* component[diagnosis] ^short = "A condition the fit note names"
* component[diagnosis].code = $sct#439401001
* component[diagnosis].value[x] 1..1
* component[diagnosis].value[x] only CodeableConcept
* component[diagnosis].valueCodeableConcept ^short = "The condition: SNOMED CT and/or ICD-10 (icd-10 or icd-10-uk) codings, and text"
* component[assessAgain] ^short = "Whether the clinician needs to assess the patient again at the end of the period"
* component[assessAgain].code = $fitNoteAdvice#assess-again
* component[assessAgain].value[x] 1..1
* component[assessAgain].value[x] only boolean
* component[advice] ^short = "A functional-advice option ticked on a may-be-fit note"
* component[advice].code ^patternCodeableConcept.coding.system = $fitNoteAdvice
* component[advice].code from FitNoteAdviceOptionsVS (required)
* component[advice].value[x] 0..1
* component[advice].value[x] only string
* component[advice].valueString ^short = "The clinician's words for this advice"
