"""Text as ``rag.load.pdf`` extracts it from the shared PDFs (../shared/data/pdfs and pdfs-wide), copied verbatim for
fast tests that need no PDF: a first page whose title, authors and affiliations run into the abstract, and a last
page whose declarations (author details, contributions, acknowledgements, funding) follow the body."""

# datta2010, page 1: the title and author block run into the abstract's first sentence
DATTA_PAGE_1 = (
    "R EVI EW Open Access Complications related to deep venous thrombosis prophylaxis in trauma: a systematic review "
    "of the literature Indraneel Datta1 , Chad G Ball1*, Lucas Rudmik1 , S Morad Hameed2 , John B Kortbeek1 Abstract "
    "Deep venous thrombosis prophylaxis is essential to the appropriate management of multisystem trauma patients. "
    "Without thromboprophylaxis, the rate of venous thrombosis and subsequent pulmonary embolism is substantial. Three "
    "prophylactic modalities are common: pharmacologic anticoagulation, mechanical compression devices, and inferior "
    "vena cava filtration."
)
DATTA_FIRST = ("Deep venous thrombosis prophylaxis is essential to the appropriate management of multisystem trauma "
               "patients.")

# datta2010, page 2: the conclusion, then author details, contributions and competing interests before the references
DATTA_PAGE_2 = (
    "The failed retrieval rate is calculated to be 2.8%. While the essential nature of thromboprophylaxis in the "
    "management of multi-system trauma patients can not be understated, understanding their potential complications "
    "is an absolute requirement for both patient counselling and clinical care. Author details 1 Department of "
    "Surgery, University of Calgary, Calgary, Canada. 2 Department of Surgery, University of British Columbia, "
    "Vancouver, Canada. Authors’ contributions ID - Study design, data analysis, manuscript writing & editing. CGB - "
    "Data analysis, manuscript writing & editing. LRR - Data analysis & manuscript writing. SMH - Data analysis, "
    "manuscript writing & editing. JBK - Study design, data analysis, manuscript writing & editing. All authors read "
    "and approved the final manuscript. Competing interests The authors declare that they have no competing "
    "interests. Received: 2 June 2009 Accepted: 6 January 2010 Published: 6 January 2010 References 1. Kudsk KA, "
    "Fabian TC, Baum S, Gold RE, Mangiante E, Voeller G: Silent deep vein thrombosis in immobilized multiple trauma "
    "patients. Am J Surg 1989, 158:515-9."
)
DATTA_CONCLUSION = (
    "While the essential nature of thromboprophylaxis in the management of multi-system trauma patients can not be "
    "understated, understanding their potential complications is an absolute requirement for both patient "
    "counselling and clinical care."
)

# douglas2014, page 1: a journal header, the title, authors and their affiliations, then "Abstract"
DOUGLAS_PAGE_1 = (
    "Clinical Science (2014) 126, 305–313 (Printed in Great Britain) doi: 10.1042/CS20130403 Fragment-based design for "
    "the development of N-domain-selective angiotensin-1-converting enzyme inhibitors Ross G. DOUGLAS∗1, Rajni K. "
    "SHARMA†1, Geoffrey MASUYER‡, Lizelle LUBBE∗, Ismael ZAMORA§, K. Ravi ACHARYA‡, Kelly CHIBALE† and Edward D. "
    "STURROCK∗ ∗Institute of Infectious Disease and Molecular Medicine, and Division of Medical Biochemistry, "
    "University of Cape Town, Observatory, Cape Town 7935, South Africa †Department of Chemistry and Institute of "
    "Infectious Disease and Molecular Medicine, University of Cape Town, Rondebosch, Cape Town 7701, South Africa "
    "‡Department of Biology and Biochemistry, University of Bath, Claverton Down, Bath BA2 7AY, U.K. §Lead Molecular "
    "Design, Sant Cugat del Valles and Pompeu Fabra University, Barcelona, Spain ` Abstract ACE "
    "(angiotensin-1-converting enzyme) is a zinc metallopeptidase that plays a prominent role in blood pressure "
    "regulation and electrolyte homeostasis. ACE consists of two homologous domains that despite similarities of "
    "sequence and topology display differences in substrate processing and inhibitor binding."
)
DOUGLAS_FIRST = ("ACE (angiotensin-1-converting enzyme) is a zinc metallopeptidase that plays a prominent role in "
                 "blood pressure regulation and electrolyte homeostasis.")

# douglas2014, page 8: the last body sentence (its full stop lost) runs into AUTHOR CONTRIBUTION; then
# ACKNOWLEDGEMENTS and FUNDING
DOUGLAS_PAGE_8 = (
    "This work further elucidates the molecular basis for Ndomain-selective inhibition and assists in the design of "
    "novel N-selective ACE inhibitors that have potential for the treatment of fibrosis disorders AUTHOR CONTRIBUTION "
    "Geoffrey Masuyer and Ravi Acharya carried out the crystallography experiments, collected the data, analysed the "
    "data, and contributed to the writing of the paper; Edward Sturrock and Ross Douglas conceived and designed the "
    "study, and wrote the paper; Ismael Zamora carried out the fragment-based design of compound 33RE; Lizelle Lubbe "
    "and Ross Douglas performed the kinetic experiments and analysed the data; and Kelly Chibale and Rajni Sharma "
    "designed and carried out the synthetic chemistry. ACKNOWLEDGEMENTS We gratefully acknowledge Ms Sylva Schwager "
    "for technical assistance. We also thank the scientists at PX station IO4-1, Diamond Light Source, Didcot, Oxon, "
    "U.K. for their support during X-ray diffraction data collection. FUNDING This work was supported by the "
    "University of Cape Town (U.C.T.) and the South African National Research Foundation (E.D.S., R.G.D. and L.L.)."
)
DOUGLAS_LAST = ("This work further elucidates the molecular basis for Ndomain-selective inhibition and assists in "
                "the design of novel N-selective ACE inhibitors that have potential for the treatment of fibrosis "
                "disorders")
# douglas2014, page 3 (Methods)
DOUGLAS_METHODS = (
    "Crystals appeared within 3 days. X-ray diffraction data for the N-domain ACE–33RE complex were collected on the "
    "PX station IO4-1 at Diamond Light Source (Didcot)."
)

# stinson2006 (pdfs-wide), page 1: no "Abstract" heading; title, authors and affiliations run into its first sentence
STINSON_PAGE_1 = (
    "Invasive Plant Suppresses the Growth of Native Tree Seedlings by Disrupting Belowground Mutualisms Kristina A. "
    "Stinson1 , Stuart A. Campbell2 , Jeff R. Powell2 , Benjamin E. Wolfe2 , Ragan M. Callaway3 , Giles C. Thelen3 , "
    "Steven G. Hallett4 , Daniel Prati5 , John N. Klironomos2* 1 Harvard Forest, Harvard University, Petersham, "
    "Massachusetts, United States of America, 2 Department of Integrative Biology, University of Guelph, Guelph, "
    "Ontario, Canada, 3 Division of Biological Sciences, University of Montana, Missoula, Montana, United States of "
    "America, 4 Department of Botany and Plant Pathology, Purdue University, West Lafayette, Indiana, United States of "
    "America, 5 Department of Community Ecology, UFZ Centre for Environmental Research, Halle, Germany The impact of "
    "exotic species on native organisms is widely acknowledged, but poorly understood. Very few studies have "
    "empirically investigated how invading plants may alter delicate ecological interactions among resident species "
    "in the invaded range."
)
STINSON_SECOND = ("Very few studies have empirically investigated how invading plants may alter delicate ecological "
                  "interactions among resident species in the invaded range.")

# keim2024 (pdfs-wide), page 1: the ACM reference format repeats the title as a sentence of its own
KEIM_TITLE = "Recovering Trace Links Between Software Documentation And Code"
KEIM_PAGE_1 = (
    "ACM Reference Format: Jan Keim, Sophie Corallo, Dominik Fuchß, Tobias Hey, Tobias Telge, and Anne Koziolek. "
    "2024. Recovering Trace Links Between Software Documentation And Code. In 2024 IEEE/ACM 46th International "
    "Conference on Software Engineering (ICSE ’24), April 14–20, 2024, Lisbon, Portugal. ACM, New York, NY, USA, 13 "
    "pages. https://doi.org/10.1145/3597503.3639130 1 INTRODUCTION During software development, various artifacts are "
    "created. These artifacts are at different levels of abstraction and cover (partially) different aspects of a "
    "system."
)
