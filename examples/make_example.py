"""Write examples/plan.xlsx: Glenburn Council's Social Work Resource Plan 2023-24 (fictional).

Run `python examples/make_example.py` after changing the tables below; the output is the same byte
for byte on every run (fixed timestamps), so a diff of plan.xlsx in git means the content changed.

Glenburn is a made-up Scottish council. The plan is modelled on real social work resource plans
(South Lanarkshire's Connect priorities and resource outcomes, West Lothian's indicators, East
Ayrshire's dashboard), including the messy values people type into history columns ("£165k",
"Not yet available", "2,755"). It exercises every unit (%, £, number, ratio), polarity (Higher,
Lower, Monitor) and profile (Level, Cumulative, four quarterly targets), directional targets
(Increase, Reduce), a TBC target, measures with no target, per-measure tolerances, a theme with
nothing in it, and actions due before the end of Q2 so that some show as overdue. Its Budget sheet is
an activity budget per service modelled on West Lothian's management plan (see BUDGET below).
"""

from __future__ import annotations

import re
import sys
import zipfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xlplan.periods import FinancialYear  # noqa: E402
from xlplan.plan import write_plan  # noqa: E402

YEAR = FinancialYear(2023)
HISTORY = YEAR.prior_years(3)          # 2020/21, 2021/22, 2022/23

SETTINGS = {
    "Organisation": "Glenburn Council",
    "Plan": "Social Work Resource Plan",
    "Year": YEAR.label,
    "Committee": "Social Work Resources Committee",
    "Report by": "Director, Health and Social Care",
    "Contact": "Morag Lindsay, Performance and Support Manager, morag.lindsay@glenburn.example, 01632 960 412",
    "Amber tolerance": "10%",
    "Return deadline": "21 days",
    "Template password": "",
    "Email from": "Glenburn Performance Team <performance@glenburn.example>",
    "Budget tolerance": "2%",
    "Risk scale": "1-5",
    "Risk bands": "1-4 Green; 5-12 Amber; 15-25 Red",
}

# Connect-style council priorities, in the order reports list them. Housing has no social work
# measures or actions this year: it still appears in the summaries, as in the seed reports.
SAFE, ECONOMY, CHILDREN, HEALTH, HOUSING, BEST_VALUE = THEMES = [
    "Ensure communities are safe, strong and sustainable",
    "Promote sustainable and inclusive economic growth and tackle disadvantage",
    "Get it right for children and young people",
    "Improve health, care and wellbeing",
    "Improve the availability, quality and access of housing",
    "Delivering the plan and achieving best value",
]

CF, JS, AOP, PS = SERVICE_NAMES = [
    "Children and Families", "Justice and Substance Misuse", "Adult and Older People", "Performance and Support",
]
SERVICES = [
    {"Service": CF, "Manager": "Fiona MacLeod", "Email": "fiona.macleod@glenburn.example"},
    {"Service": JS, "Manager": "Callum Reid", "Email": "callum.reid@glenburn.example"},
    {"Service": AOP, "Manager": "Graham Anderson", "Email": "graham.anderson@glenburn.example"},
    {"Service": PS, "Manager": "Aileen Murray", "Email": "aileen.murray@glenburn.example"},
]

# Resource outcomes (grouping rows in templates and report tables)
PROTECT_CHILDREN = "Care and protect vulnerable children and young people"
JUSTICE_PLAN = "Community Justice Outcome Improvement Plan is progressed"
REINTEGRATE = ("For those who have committed offences, safely and effectively support them to reintegrate "
               "into the community")
SUSTAINABLE = "Social Work Resources embeds sustainable development across services"
TIMELY = "Disadvantaged people/groups are provided with access to timely support and interventions"
POVERTY = "Tackling poverty and deprivation"
ENGAGEMENT = "Strengthen engagement with service users and carers"
BETTER_CARE = "Deliver better health and social care outcomes for all"
PROTECT_ADULTS = "Care and protect vulnerable adults"
CHOICE = "Promote choice, control and flexibility in social care"
GOVERNANCE = "Deliver and communicate the Council Plan and ensure high standards of governance"
SCRUTINY = "Develop improvement activity and promote scrutiny"
WORKFORCE = "Improve the skills, flexibility and capacity of the workforce"
WELLBEING = "Promote equality and the well-being of staff"


def measure(code, name, theme, outcome, service, unit, polarity, target, profile="Level", history=("", "", ""),
            baseline="", tolerance="", links="", category="", frequency="", aggregate="", **year_targets):
    """One Measures row; `history` holds the 2020/21, 2021/22 and 2022/23 outturns as typed;
    `year_targets` the Target 2023/24-style columns (as target_2023_24="92%")."""
    row = {"Code": code, "Measure": name, "Theme": theme, "Outcome": outcome, "Service": service, "Unit": unit,
           "Polarity": polarity, "Target": target, "Profile": profile, "Tolerance": tolerance,
           "Baseline": baseline, "Links": links, "Category": category, "Frequency": frequency,
           "Aggregate": aggregate}
    row.update({"Target " + k.removeprefix("target_").replace("_", "/", 1).replace("_", ""): v
                for k, v in year_targets.items()})
    row.update({year.slash: value for year, value in zip(HISTORY, history)})
    return {k: v for k, v in row.items() if v != ""}


MEASURES = [
    # --- Children and Families --------------------------------------------------------------------
    measure("CF01", "Children seen by a supervising officer within 15 days", CHILDREN, PROTECT_CHILDREN, CF,
            "%", "Higher", "75%", history=("78%", "71%", "74%"), baseline="75%", category="PUBLIC",
            target_2024_25="77%"),
    measure("CF02", "Reports submitted to the Children's Reporter within agreed timescales", CHILDREN,
            PROTECT_CHILDREN, CF, "%", "Higher", "75%", history=("76%", "Not yet available", "77.5%"),
            baseline="75%", links="C6.6"),
    measure("CF03", "Looked after young people accommodated in residential placements (shift the balance of "
            "care: no more than 12%)", CHILDREN, PROTECT_CHILDREN, CF, "%", "Lower", "12%",
            tolerance="2 points", history=("10%", "11.4%", "12.6%"), baseline="10%", links="C2.2"),
    measure("CF04", "Child Protection referrals received", CHILDREN, PROTECT_CHILDREN, CF, "number", "Monitor", "",
            history=("412", "455", "438")),
    measure("CF05", "Child Protection Investigations that progress to Case Conference and the conversion rate "
            "to Registration", CHILDREN, PROTECT_CHILDREN, CF, "%", "Monitor", "", baseline="60%",
            history=("61%", "57%", "63%")),
    measure("CF06", "Young carers supported by Action for Children", CHILDREN, PROTECT_CHILDREN, CF, "number",
            "Higher", "TBC", profile="Cumulative", history=("", "142", "167"), links="C2.3"),
    measure("CF07", "Foster carer reviews completed on an annual basis", CHILDREN, PROTECT_CHILDREN, CF, "%",
            "Higher", "80%", profile="20%; 45%; 70%; 80%", history=("49%", "58%", "71%"), category="WLAM"),
    measure("CF08", "Net cost of Children and Families services per 1,000 of population", CHILDREN,
            PROTECT_CHILDREN, CF, "£", "Lower", "£159,000", history=("£152,000", "£158k", "£161,000"),
            category="WLAM"),
    # --- Justice and Substance Misuse -------------------------------------------------------------
    measure("JS01", "Criminal Justice Social Work reports submitted to court by the due date", SAFE, JUSTICE_PLAN,
            JS, "%", "Higher", "95%", history=("93%", "96%", "94%"), baseline="95%", links="C6.6"),
    measure("JS02", "Clients first seen within two working days of a Drug Treatment and Testing Order "
            "commencing", SAFE, JUSTICE_PLAN, JS, "%", "Higher", "95%", tolerance="5%",
            history=("100%", "92%", "95%"), links="C6.6"),
    measure("JS03", "Offenders on a Community Payback Order unpaid work requirement seen within five working "
            "days by their case manager", SAFE, REINTEGRATE, JS, "%", "Higher", "75%",
            history=("68%", "74%", "79%")),
    measure("JS04", "People starting their unpaid work placement within seven days of a Community Payback "
            "Order", SAFE, REINTEGRATE, JS, "%", "Higher", "75%", history=("61%", "Final Result Not Yet Available",
                                                                        "72%")),
    measure("JS05", "Unpaid work hours completed for the community", SAFE, REINTEGRATE, JS, "number", "Higher",
            "48,000", profile="Cumulative", history=("41,250", "44,120", "46,980"), category="HIGH LEVEL",
            target_2024_25="50,000"),
    measure("JS06", "People diverted from prosecution who engage with a support service", SAFE, REINTEGRATE, JS,
            "number", "Higher", "", history=("", "88", "104")),
    measure("JS07", "Drug and alcohol clients starting treatment or a psychological intervention within three "
            "weeks of referral", HEALTH, TIMELY, JS, "%", "Higher", "90%", history=("91%", "88%", "90%"),
            baseline="90%", links="C6.6"),
    # --- Adult and Older People -------------------------------------------------------------------
    measure("AOP01", "Statutory supervising officer visits completed within timescale for local authority "
            "welfare guardianship orders", HEALTH, PROTECT_ADULTS, AOP, "%", "Higher", "90%",
            history=("86%", "90%", "93%"), links="C2.1"),
    measure("AOP02", "Statutory supervising officer visits completed within timescale for private welfare "
            "guardianship orders", HEALTH, PROTECT_ADULTS, AOP, "%", "Higher", "90%", tolerance="3 points",
            history=("79%", "84%", "88%"), links="C2.1"),
    measure("AOP03", "Ratio of planned to unplanned referrals received", HEALTH, BETTER_CARE, AOP, "ratio",
            "Higher", "70/30", history=("68/32", "71/29", "69/31"), baseline="70/30", links="C2.1"),
    measure("AOP04", "Patients discharged from hospital per day", HEALTH, BETTER_CARE, AOP, "number", "Higher",
            "10", history=("8.6", "9.1", "9.8"), links="C2.1"),
    measure("AOP05", "Planned Discharge Dates that are met", HEALTH, BETTER_CARE, AOP, "%", "Monitor", "80%",
            history=("76%", "81%", "79%"), baseline="80%", links="C2.1"),
    measure("AOP06", "Carers supported by dedicated Welfare Rights officers", HEALTH, CHOICE, AOP, "number",
            "Higher", "400", profile="Cumulative", history=("356", "402", "389"), links="C8.3"),
    measure("AOP07", "People aged 75+ supported by technology to remain at home", HEALTH, CHOICE, AOP, "number",
            "Higher", "Increase", history=("2,553", "2,611", "2,755"), category="PUBLIC"),
    measure("AOP08", "Average number per month of patients whose discharge from hospital is delayed", HEALTH,
            BETTER_CARE, AOP, "number", "Lower", "Reduce", history=("3", "4", "2"), category="PUBLIC"),
    measure("AOP09", "Net cost per head of population on social care services for older people", HEALTH,
            BETTER_CARE, AOP, "£", "Lower", "£1,493", history=("£1,432", "£1,468", "£1,501"), category="WLAM"),
    measure("AOP10", "Outcomes achieved through reviewed support plans", HEALTH, CHOICE, AOP, "%", "Higher",
            "75%", history=("71%", "73%", "Not yet available")),
    # --- Performance and Support ------------------------------------------------------------------
    measure("PS01", "Saving from using recycled items instead of new through the joint equipment store",
            SAFE, SUSTAINABLE, PS, "£", "Higher", "£200,000", profile="Cumulative",
            history=("£165k", "£171,500", "£182k"), baseline="£165k", links="C6.1"),
    measure("PS02", "New clients supported by the Money Matters Advice Service", ECONOMY, POVERTY, PS, "number",
            "Higher", "2,500", profile="Cumulative", history=("2,310", "2,480", "2,612"), baseline="2,500",
            target_2024_25="2,800"),
    measure("PS03", "Income generated for Money Matters clients (benefit awards, backdated benefits)", ECONOMY,
            POVERTY, PS, "£", "Higher", "£1.44 million", profile="Cumulative",
            history=("£1.21 million", "£1.38m", "£1,402,650")),
    measure("PS04", "Carers supported by commissioned carer support from Glenburn Carers", ECONOMY, ENGAGEMENT,
            PS, "number", "Higher", "800", profile="200; 400; 600; 800", history=("744", "780", "792"),
            baseline="780"),
    measure("PS05", "Complaints received by Social Work Resources", BEST_VALUE, GOVERNANCE, PS, "number", "Lower",
            "144", profile="Cumulative", history=("75", "Final Result Not Yet Available", "139")),
    measure("PS06", "Complaints completed within timescale (excluding extensions, as per Ombudsman guidance)",
            BEST_VALUE, GOVERNANCE, PS, "%", "Higher", "Increase",
            history=("30.7%", "Final Result Not Yet Available", "62%")),
    measure("PS07", "Sickness absence: lost hours as a percentage of contracted hours", BEST_VALUE, WELLBEING, PS,
            "%", "Lower", "4.0%", tolerance="0.5 points", history=("4.49%", "5.21", "4.8%")),
    measure("PS08", "Employees with a completed performance appraisal", BEST_VALUE, WORKFORCE, PS, "%", "Higher",
            "95%", profile="25%; 50%; 75%; 95%", history=("82%", "88%", "91%")),
    measure("PS09", "Scottish Government statutory returns submitted within timescale", BEST_VALUE, SCRUTINY, PS,
            "%", "Higher", "100%", history=("100%", "95%", "100%"), links="C12.8"),
    # --- measures not reported every quarter (issue #16) ---------------------------------------------
    measure("CF09", "% of foster carer reviews that happen on an annual basis", CHILDREN, PROTECT_CHILDREN, CF,
            "%", "Higher", "90%", history=("86%", "88%", "89%"), frequency="Annual",
            target_2023_24="92%", target_2024_25="95%"),
    measure("PS10", "Staff survey: employees who feel valued at work (6 monthly pulse survey)", BEST_VALUE,
            WELLBEING, PS, "%", "Higher", "70%", history=("", "64%", "67%"), frequency="Six-monthly"),
    measure("AOP11", "Community alarm calls answered within 60 seconds", HEALTH, CHOICE, AOP, "number",
            "Monitor", "", history=("", "11,840", "12,310"), frequency="Monthly", aggregate="Sum"),
]


def action(ref, name, measures, theme, outcome, service, owner, start, due):
    return {"Ref": ref, "Action": name, "Measures": measures, "Theme": theme, "Outcome": outcome,
            "Service": service, "Owner": owner, "Start": start, "Due": due}


APRIL = date(2023, 4, 1)
MARCH = date(2024, 3, 31)

ACTIONS = [
    action("CF-A1", "Improve transition arrangements for young people",
           "Develop and roll out systems to record and monitor young people with additional support needs "
           "moving from children's to adult services", CHILDREN, PROTECT_CHILDREN, CF,
           "Service Manager (Children and Families)", APRIL, MARCH),
    action("CF-A2", "Take forward The Promise of transformational change from the Independent Care Review",
           "Report progress to the Champions Board each quarter", CHILDREN, PROTECT_CHILDREN, CF,
           "Head of Children and Justice Services", APRIL, MARCH),
    action("CF-A3", "Recruit additional foster carers",
           "Run two recruitment campaigns and complete assessments (CF07)", CHILDREN, PROTECT_CHILDREN, CF,
           "Team Leader (Family Placement)", APRIL, date(2023, 9, 30)),
    action("JS-A1", "Improve management of all offenders including high risk offenders",
           "Produce and publish the MAPPA annual report by 1 November 2023", SAFE, REINTEGRATE, JS,
           "Service Manager (Justice Services)", APRIL, date(2023, 11, 1)),
    action("JS-A2", "Embed the national model for Community Justice with our partners",
           "Report on the priorities of the Community Justice Local Outcome Improvement Plan", SAFE, JUSTICE_PLAN,
           JS, "Community Justice Lead Officer", APRIL, MARCH),
    action("JS-A3", "Remodel unpaid work provision",
           "Recruit an Unpaid Work Team Manager; develop personal placement opportunities (JS05)", SAFE,
           REINTEGRATE, JS, "Service Manager (Justice Services)", APRIL, date(2023, 8, 31)),
    action("AOP-A1", "Extend the range and choice of day opportunities for older people",
           "Consult on the review of day care services for older people", HEALTH, CHOICE, AOP,
           "Service Manager (Older People)", APRIL, date(2023, 6, 30)),
    action("AOP-A2", "Progress Glenburn's care facilities modernisation programme",
           "Complete the technology fit-out of the campus; report quarterly on the workforce planning workstream",
           HEALTH, BETTER_CARE, AOP, "Head of Adult and Older People Services", APRIL, MARCH),
    action("AOP-A3", "Prepare for the analogue to digital migration of assistive technology",
           "Review all alert alarm service users by March 2024 (AOP07)", HEALTH, CHOICE, AOP,
           "Telecare Manager", APRIL, MARCH),
    action("AOP-A4", "Monitor vulnerable adults' referrals and activity",
           "Produce a quarterly Adult Protection report for the Adult Protection Committee", HEALTH,
           PROTECT_ADULTS, AOP, "Adult Protection Lead Officer", APRIL, MARCH),
    action("PS-A1", "Ensure that high standards of governance are exercised",
           "Review the risk register every 6 months and report to Social Work Committee annually", BEST_VALUE,
           GOVERNANCE, PS, "Performance and Support Manager", APRIL, MARCH),
    action("PS-A2", "Chief Social Work Officer annual report",
           "Report on key challenges, developments and improvements, and statutory functions, by September 2023",
           BEST_VALUE, GOVERNANCE, PS, "Chief Social Work Officer", APRIL, date(2023, 9, 30)),
    action("PS-A3", "Contribute to a fair, healthy and sustainable food system",
           "Identify small food-growing pilots within Social Work establishments", SAFE, SUSTAINABLE, PS,
           "Planning and Performance Officer", APRIL, date(2023, 7, 31)),
    action("PS-A4", "Implement effective Best Value management arrangements",
           "Submit all Scottish Government performance returns within timescale (PS09)", BEST_VALUE, SCRUTINY, PS,
           "Performance and Support Manager", APRIL, MARCH),
]

# The risk register, modelled on a social policy management plan's service risks (codes, titles and
# scores of 6 and 9 as there): each service's return asks the owner for the current likelihood and
# impact every quarter. Scored 1-5 (Settings: Risk scale), coloured by the Risk bands setting.
def risk(code, name, description, service, owner, likelihood, impact, target, controls):
    return {"Code": code, "Risk": name, "Description": description, "Service": service, "Owner": owner,
            "Likelihood": likelihood, "Impact": impact, "Target score": target, "Controls": controls}


RISKS = [
    risk("CCOP001", "Insufficient availability of beds to meet service demands - care homes",
         "Insufficient supply to meet service demands arising from economic imbalance in the local market, "
         "highest in older people's services. Related to pressures around delayed discharge.", AOP,
         "Head of Adult and Older People", 2, 3, 4,
         "Weekly bed availability review; commissioning plan with independent providers; step-down beds."),
    risk("CCOP002", "Insufficient supply to meet service demands - care at home",
         "Insufficient supply of care at home arising from economic imbalance in the local market and "
         "recruitment difficulties among providers; adds to delayed discharge.", AOP,
         "Head of Adult and Older People", 3, 3, 6,
         "Unmet need reviewed weekly by the management team; provider recruitment campaign; reablement."),
    risk("SP011", "Injury to or death of a staff member or service user arising from professional error",
         "Social work provides care, protection and support to people who may be vulnerable; an error in "
         "practice could cause harm.", CF, "Head of Children and Families", 3, 3, 6,
         "Supervision policy; case file audits; child protection procedures; lone working procedures."),
    risk("SP014", "Children's Hearings reports not submitted within timescales",
         "Reports late to the Children's Reporter delay decisions for children.", CF,
         "Service Manager (Children and Families)", 2, 2, 2,
         "Weekly tracking of reports due; cover arrangements for absence."),
    risk("JS003", "Failure to manage high risk offenders in the community",
         "A high risk offender under supervision causes serious harm.", JS,
         "Head of Justice and Substance Misuse", 2, 5, 5,
         "MAPPA arrangements; risk assessment and management plans reviewed to timescale; case audits."),
    risk("SP020", "Loss of the social work case management system",
         "A cyber attack or system failure leaves staff without case records.", PS,
         "Performance and Support Manager", 3, 4, 8,
         "Business continuity plan; offline read-only copy; IT security patching and staff training."),
    risk("SP021", "Inability to recruit and retain qualified social workers",
         "Vacancies and turnover in qualified social workers reduce capacity across services.", PS,
         "Performance and Support Manager", 4, 4, 9,
         "Workforce plan; grow-your-own trainee scheme; market supplement under review."),
]


def budget(service, line, fte, expenditure, income="0", net="", profile="", kind=""):
    return {"Service": service, "Line": line, "FTE": fte, "Expenditure": expenditure, "Income": income, "Net": net,
            "Profile": profile, "Type": kind}


# The activity budget (Budget sheet), modelled on West Lothian's management plan tables ("Staff Resource
# (FTE) | Revenue Expenditure Budget | Revenue Income Budget | Net Revenue Budget"): income typed as the
# seeds type it (-46,000, (3,936)), figures such as £1.44 million and £165k, one line profiled by quarter
# (residential placements cost most in winter) and two income lines, where falling short is what is worse.
BUDGET = [
    budget(CF, "Child Care and Protection Practice Teams", 70.8, "3,942,899", "0", "3,942,899"),
    budget(CF, "Family Placement", 11.5, "7,293,904", "0", "7,293,904"),
    budget(CF, "Residential Care (Internal/External)", 38.3, "7,869,598", "0", "7,869,598",
           profile="22%; 24%; 26%; 28%"),
    budget(CF, "Throughcare and Aftercare", 4.6, "1,744,171", "0", "1,744,171"),
    budget(CF, "Service Support", 11.0, "434,741", "(3,936)", "430,805"),
    budget(JS, "Youth Justice", 10.5, "494,347", "0", "494,347"),
    budget(JS, "Community Payback", 21.4, "992,016", "(329,776)", "662,240"),
    budget(JS, "Unpaid Work", 8.8, "403,050", "(133,985)", "269,065"),
    budget(JS, "Criminal Justice Social Work grant", 0, "", "£1.44 million", "", kind="Income"),
    budget(AOP, "Older People Assessment and Care Management", 58.2, "2,362,957", "-46,000", "2,316,957"),
    budget(AOP, "Older People care home provision", 177.0, "24,995,112", "-2,133,000", "22,862,112"),
    budget(AOP, "Older People community based care and support services", 235.7, "23,802,651", "-6,947,322",
           "16,855,329"),
    budget(AOP, "Occupational therapy", 34.1, "2,466,571", "-1,005,164", "1,461,407"),
    budget(AOP, "Charges for non-residential care", 0, "", "£165k", "", kind="Income"),
    budget(PS, "Service Support", 37.8, "1,760,220", "-26,919", "1,733,301"),
]

FIXED_TIME = (2023, 4, 1, 0, 0, 0)


def make_reproducible(path: Path) -> None:
    """Rewrite the workbook with fixed zip and document timestamps so every run gives the same bytes."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    stamp = b"2023-04-01T00:00:00Z"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)


def main(out: Path = HERE / "plan.xlsx") -> Path:
    write_plan(out, settings=SETTINGS, themes=THEMES, services=SERVICES, measures=MEASURES, actions=ACTIONS,
               history_years=HISTORY, risks=RISKS, extra_sheets={"Budget": BUDGET})
    make_reproducible(out)
    return out


if __name__ == "__main__":
    print(f"Wrote {main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / 'plan.xlsx')}")
