"""Records that break a vendor contract rule, planted where quarantining them changes no finding.

The QuickBooks ones (a paid support invoice whose lines do not sum, a dormant subsidiary's wrong Level)
choose QuickBooks entities: Xero computes its totals and keeps no hierarchy (no malformed row of the
on-premises ledger is planted). Each is an extra record (internal non-billable time, lost deals of prospects, paid support invoices) or a
dormant customer nobody bills, so a validator that quarantines it leaves the reconciliation untouched.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from . import shapes_harvest as harvest
from . import shapes_quickbooks as qbo
from . import shapes_salesforce as sf
from .clock import at, iso_utc
from .engagements import EngagementFactory
from .ids import Ids
from .manifest import Manifest
from .model import Customer, Firm, Line, Posting, Project
from .timesheets import Row

Rows = dict[tuple[str, str, str], list[Row]]


class Malformed:
    def __init__(
        self, firm: Firm, ids: Ids, manifest: Manifest, rng: random.Random, counts: tuple[int, int], internal: Project
    ):
        self.firm, self.ids, self.manifest, self.rng, self.counts = firm, ids, manifest, rng, counts
        self.internal, self.as_of = internal, firm.as_of
        self.rows: Rows = {}

    def _n(self) -> int:
        return self.rng.randint(*self.counts)

    def _add(
        self,
        system: str,
        tenant: str,
        object: str,
        record_id: str,
        payload: dict,
        updated: str,
        rule: str,
        field: str,
        value,
        reported_id=None,
        warning: bool = False,
    ) -> None:
        self.rows.setdefault((system, tenant, object), []).append((record_id, payload, updated))
        self.manifest.bad_record(
            system,
            tenant,
            object,
            reported_id if reported_id is not None else payload.get("id", payload.get("Id")),
            rule,
            field,
            value,
            warning,
        )

    def plant_all(self, customer_rows: dict[str, dict[str, dict]]) -> Rows:
        for rule, field, change in self._time_rules():
            for _ in range(self._n()):
                self._time_entry(rule, field, change)
        for _ in range(self._n()):
            self._duplicate_ids()
        for _ in range(self._n()):
            self._expense()
        for rule, field, change in self._deal_rules():
            for _ in range(self._n()):
                self._deal(rule, field, change)
        for _ in range(self._n()):
            self._unbalanced_invoice()
        self._level(customer_rows)
        return self.rows

    # -- Harvest: internal, non-billable time and expenses ---------------------------------
    def _time_rules(self) -> list[tuple[str, str, Callable[[dict], object]]]:
        def future(entry: dict) -> str:
            entry["spent_date"] = (self.as_of + timedelta(days=self.rng.randint(5, 40))).isoformat()
            return entry["spent_date"]

        def hours(entry: dict) -> float:
            entry["hours"] = entry["hours_without_timer"] = entry["rounded_hours"] = self.rng.choice([26.5, 31.0, -2.0])
            return entry["hours"]

        def user(entry: dict) -> int:
            entry["user"] = {"id": 99_000_001 + self.rng.randrange(1000), "name": "Former Contractor"}
            return entry["user"]["id"]

        def no_id(entry: dict) -> None:
            entry["id"] = None

        return [
            ("hours_out_of_range", "hours", hours),
            ("date_in_future", "spent_date", future),
            ("reference_unresolved", "user.id", user),
            ("id_missing", "id", no_id),
        ]

    def _time_entry(self, rule: str, field: str, change: Callable[[dict], object]) -> int:
        p = self.internal
        member = self.rng.choice(p.members)
        task, assignment = p.tasks[0]
        entry_id = self.ids.harvest("time_entries")
        day = self.as_of - timedelta(days=self.rng.randint(8, 200))
        moment = at(day, 1000)
        payload = harvest.time_entry(
            entry_id,
            p,
            member,
            task,
            assignment,
            day,
            Decimal("2"),
            False,
            None,
            False,
            None,
            moment,
            moment,
            "Bench training",
        )
        value = change(payload)
        self._add(
            "harvest",
            "",
            "time_entries",
            str(entry_id),
            payload,
            iso_utc(moment),
            rule,
            field,
            value,
            reported_id=payload["id"] if payload["id"] is not None else f"store:{entry_id}",
        )
        return entry_id

    def _duplicate_ids(self) -> None:
        """Two entries under one id: both are listed, since neither can be told apart as the real one."""

        def same(entry: dict) -> int:
            entry["id"] = first
            return first

        first = self._time_entry("id_duplicate", "id", lambda entry: entry["id"])
        self._time_entry("id_duplicate", "id", same)

    def _expense(self) -> None:
        p = self.internal
        expense_id = self.ids.harvest("expenses")
        day = self.as_of - timedelta(days=self.rng.randint(8, 200))
        moment = at(day, 1010)
        payload = harvest.expense(
            expense_id,
            p,
            p.members[0],
            (4195902, "Meals"),
            day,
            Decimal("12"),
            False,
            False,
            None,
            moment,
            moment,
            "Team lunch",
        )
        payload["total_cost"] = round(12 + self.rng.randrange(1, 999) / 1000, 3)
        if payload["total_cost"] * 100 == int(payload["total_cost"] * 100):
            payload["total_cost"] += 0.005
        self._add(
            "harvest",
            "",
            "expenses",
            str(expense_id),
            payload,
            iso_utc(moment),
            "money_precision",
            "total_cost",
            payload["total_cost"],
            warning=True,
        )

    # -- Salesforce: lost deals of prospects -----------------------------------------------
    def _deal_rules(self) -> list[tuple[str, str, Callable[[dict], object]]]:
        def currency(deal: dict) -> str:
            deal["CurrencyIsoCode"] = "ZZZ"
            return "ZZZ"

        def stage(deal: dict) -> str:
            deal["StageName"] = "Closed - Pending Signature"
            return deal["StageName"]

        def account(deal: dict) -> str:
            deal["AccountId"] = self.ids.account()
            return deal["AccountId"]

        return [
            ("currency_unknown", "CurrencyIsoCode", currency),
            ("status_not_in_enum", "StageName", stage),
            ("reference_unresolved", "AccountId", account),
        ]

    def _deal(self, rule: str, field: str, change: Callable[[dict], object]) -> None:
        in_salesforce = [c for c in self.firm.customers if not c.plants and c.sf_id and not c.on_hubspot]
        prospects = [c for c in in_salesforce if c.role == "prospect"]
        # a closed-lost deal makes no finding on any account: where a HubSpot unit took the free prospects,
        # another unplanted Salesforce account carries it
        account = self.rng.choice(prospects or in_salesforce)
        factory = EngagementFactory(self.rng, self.ids, self.as_of, [], [])
        opp = factory.opportunity(account, "Closed Lost", self.as_of - timedelta(days=self.rng.randint(30, 300)))
        moment = at(opp.close_date, 700)
        payload = sf.opportunity(opp, moment, moment)
        value = change(payload)
        self._add("salesforce", "", "Opportunity", opp.sf_id, payload, iso_utc(moment), rule, field, value)

    # -- QuickBooks: paid support invoices, dormant subsidiaries ---------------------------
    def _unbalanced_invoice(self) -> None:
        direct = [
            c
            for c in self.firm.customers
            if c.role == "direct" and c.sf_id and c.qbo_id and not c.plants and c.entity.erp == "quickbooks"
        ]
        if not direct:
            return  # every entity on another ERP: no QuickBooks invoice to break
        c: Customer = self.rng.choice(direct)
        assert c.qbo_id is not None  # chosen among customers in QuickBooks
        day = self.as_of - timedelta(days=self.rng.randint(40, 300))
        post = Posting(
            self.ids.quickbooks(c.entity.code, "Invoice"),
            c.entity,
            c.qbo_id,
            c.erp_name,
            f"S-{8000 + self.rng.randrange(1000)}",
            day,
            c.entity.currency,
            [Line("Service", "Support true-up", Decimal("1"), Decimal(self.rng.randrange(200, 900)))],
            None,
        )
        moment = at(day, 560)
        payload = qbo.invoice(post, day + timedelta(days=30), moment, moment)
        payload["TotalAmt"] = float(post.total + 10)
        payload["Balance"] = 0
        self._add(
            "quickbooks",
            c.entity.realm_id,
            "Invoice",
            post.qbo_id,
            payload,
            iso_utc(moment),
            "invoice_lines_do_not_sum",
            "TotalAmt",
            payload["TotalAmt"],
        )

    def _level(self, customer_rows: dict[str, dict[str, dict]]) -> None:
        dormant = [
            c
            for c in self.firm.customers
            if c.role == "dormant" and c.qbo_id and not c.plants and c.entity.erp == "quickbooks"
        ]
        for c in self.rng.sample(dormant, min(len(dormant), self._n())):
            assert c.qbo_id is not None  # sampled among customers in QuickBooks
            record = customer_rows[c.entity.realm_id][c.qbo_id]
            record["Level"] += 1
            self.manifest.bad_record(
                "quickbooks",
                c.entity.realm_id,
                "Customer",
                c.qbo_id,
                "parent_level_wrong",
                "Level",
                record["Level"],
                warning=True,
            )
