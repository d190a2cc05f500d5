"""Cases: claims, boards, appeals and corrections — mistakes found and put right."""
