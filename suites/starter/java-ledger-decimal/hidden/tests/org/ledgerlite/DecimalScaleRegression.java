package org.ledgerlite;

import static org.ledgerlite.testing.Assert.*;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ledgerlite.testing.Test;

/** Equal amounts and rates written with a different number of decimals. */
public class DecimalScaleRegression {
    private static final LocalDate DAY = LocalDate.of(2024, 3, 1);

    private static Money eur(String amount) {
        return Money.of(amount, "EUR");
    }

    // --- reported symptoms ---------------------------------------------------

    @Test
    public void moneyEqualityIgnoresScale() {
        assertEquals(eur("2.00"), eur("2.0"));
        assertEquals(eur("2"), eur("2.000"));
        assertEquals(eur("2.00").hashCode(), eur("2.0").hashCode());
        assertEquals(eur("-1.50").hashCode(), eur("-1.5").hashCode());
        assertEquals(eur("0").hashCode(), eur("0.00").hashCode());
        assertFalse(eur("2.00").equals(Money.of("2.0", "USD")), "EUR vs USD");
        assertFalse(eur("2.00").equals(eur("2.01")), "2.00 vs 2.01");
        Set<Money> set = new HashSet<>(List.of(eur("10.5"), eur("10.50"), eur("10.500")));
        assertEquals(1, set.size());
        Map<Money, String> map = new HashMap<>();
        map.put(eur("100"), "hundred");
        assertEquals("hundred", map.get(eur("100.00")));
    }

    @Test
    public void ledgerAcceptsEqualAmountsWithDifferentScale() {
        Ledger ledger = new Ledger("EUR");
        ledger.post(new Transaction(DAY, "cash sale")
                .debit("1000 Cash", eur("10.5"))
                .credit("8400 Revenue", eur("10.50")));
        ledger.post(new Transaction(DAY, "invoice")
                .debit("1200 Receivables", eur("119"))
                .credit("8400 Revenue", eur("100.0"))
                .credit("1776 VAT payable", eur("19.00")));
        assertEquals(2, ledger.journal().size());
        assertTrue(ledger.isConsistent(), "consistent");
        assertTrue(new Transaction(DAY, "x").debit("A", eur("0.1")).credit("B", eur("0.100")).isBalanced(),
                "0.1 vs 0.100");
        assertThrows(UnbalancedTransactionException.class, () -> ledger.post(new Transaction(DAY, "typo")
                .debit("1000 Cash", eur("10.5"))
                .credit("8400 Revenue", eur("10.05"))));
    }

    @Test
    public void matcherFindsInvoiceForAmountWithOtherScale() throws IOException {
        Invoice a = new Invoice("2024-070", "Acme", "EUR")
                .addLine(LineItem.of("Services", "1", eur("100.00"), "19"));   // 119.00
        Invoice b = new Invoice("2024-071", "Beta", "EUR")
                .addLine(LineItem.of("Services", "1", eur("200.00"), "19"));   // 238.00
        String statement = "date;reference;amount\n"
                + "2024-03-01;SEPA ACME;119\n"
                + "2024-03-01;SEPA BETA;238,0\n";
        List<Payment> payments = CsvImport.payments(new StringReader(statement), "EUR");
        Map<Payment, Invoice> m = PaymentMatcher.match(payments, List.of(a, b));
        assertEquals(2, m.size());
        assertEquals(a, m.get(payments.get(0)));
        assertEquals(b, m.get(payments.get(1)));
        a.applyPayment(payments.get(0));
        assertEquals(Invoice.Status.PAID, a.status());
    }

    // --- edge cases ------------------------------------------------------------

    @Test
    public void taxBreakdownMergesEqualRates() {
        Invoice inv = new Invoice("2024-080", "Kiosk", "EUR")
                .addLine(LineItem.of("Gum", "1", eur("0.30"), "19"))
                .addLine(LineItem.of("Gum", "1", eur("0.30"), "19.0"))
                .addLine(LineItem.of("Gum", "1", eur("0.30"), "19.00"))
                .addLine(LineItem.of("Paper", "1", eur("1.00"), "7"));
        Map<BigDecimal, Money> breakdown = inv.taxBreakdown();
        assertEquals(2, breakdown.size());
        BigDecimal first = breakdown.keySet().iterator().next();
        assertEquals(0, first.compareTo(new BigDecimal("19")));
        assertText("0.17 EUR", breakdown.get(first));  // 3 x 0.057 = 0.171, rounded once
        assertText("0.24 EUR", inv.taxTotal());
        assertText("1.90 EUR", inv.subtotal());
        String text = inv.render();
        assertEquals(text.indexOf("Tax 19%"), text.lastIndexOf("Tax 19%"));
    }

    @Test
    public void zeroRateWrittenWithDecimalsIsExempt() throws IOException {
        String csv = "description;quantity;unit_price;tax\n"
                + "Machine;1;5000,00;0,00\n"
                + "Shipping;1;120.00;0.0\n";
        Invoice inv = new Invoice("2024-090", "Export Ltd", "EUR");
        for (LineItem item : CsvImport.lineItems(new StringReader(csv), "EUR")) inv.addLine(item);
        assertTrue(inv.lines().get(0).isTaxExempt(), "0,00 is exempt");
        assertTrue(inv.lines().get(1).isTaxExempt(), "0.0 is exempt");
        assertTrue(inv.isTaxExempt(), "invoice exempt");
        assertTrue(inv.render().contains("No tax charged"), inv.render());
        assertFalse(LineItem.of("x", "1", eur("1"), "0.01").isTaxExempt(), "0.01 is taxed");
    }
}
