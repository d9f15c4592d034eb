/**
 * The built-in texts, complete in every language listed here: the lead-capture flow's defaults (what
 * a bot says until its owner writes its own) and the widget's interface. A language is its primary
 * subtag ("de" for de-AT); adding one means adding every key below.
 */
export const BUILT_IN_LANGUAGES = ['en', 'de', 'fr'] as const;
export type BuiltInLanguage = (typeof BUILT_IN_LANGUAGES)[number];

export interface FlowTextSet {
  greeting: string;
  questions: { name: string; email: string; phone: string };
  invalid: { email: string; phone: string };
  closing: string;
  /** answers that decline a step (compared case-insensitively, a trailing . or ! ignored) */
  skipWords: string[];
}

export const FLOW_TEXTS: Record<BuiltInLanguage, FlowTextSet> = {
  en: {
    greeting: 'Hi there! 👋 Happy to help.',
    questions: {
      name: 'What is your name?',
      email: 'What is your email address?',
      phone: 'And your phone number, with the country code (e.g. +44 20 7946 0958)?',
    },
    invalid: {
      email: 'That does not look like an email address. Could you check it?',
      phone: 'That does not look like a phone number. Please include the country code, e.g. +1 555 123 4567.',
    },
    closing: 'Thank you! Someone from our team will get back to you shortly.',
    skipWords: ['skip', 'no', 'no thanks', 'no thank you', 'talk to a human'],
  },
  de: {
    greeting: 'Hallo! 👋 Wir helfen gern.',
    questions: {
      name: 'Wie heißen Sie?',
      email: 'Wie lautet Ihre E-Mail-Adresse?',
      phone: 'Und Ihre Telefonnummer, mit Ländervorwahl (z. B. +49 30 901820)?',
    },
    invalid: {
      email: 'Das sieht nicht nach einer E-Mail-Adresse aus. Könnten Sie sie prüfen?',
      phone: 'Das sieht nicht nach einer Telefonnummer aus. Bitte mit Ländervorwahl, z. B. +49 151 2345 6789.',
    },
    closing: 'Danke! Jemand aus unserem Team meldet sich in Kürze bei Ihnen.',
    skipWords: ['überspringen', 'nein', 'nein danke', 'keine angabe', 'mit einem menschen sprechen'],
  },
  fr: {
    greeting: 'Bonjour ! 👋 Nous sommes là pour vous aider.',
    questions: {
      name: 'Comment vous appelez-vous ?',
      email: 'Quelle est votre adresse e-mail ?',
      phone: 'Et votre numéro de téléphone, avec l’indicatif du pays (par ex. +33 1 23 45 67 89) ?',
    },
    invalid: {
      email: 'Cela ne ressemble pas à une adresse e-mail. Pourriez-vous la vérifier ?',
      phone: 'Cela ne ressemble pas à un numéro de téléphone. Indiquez l’indicatif du pays, par ex. +33 6 12 34 56 78.',
    },
    closing: 'Merci ! Quelqu’un de notre équipe vous répondra très vite.',
    skipWords: ['passer', 'non', 'non merci', 'parler à un humain'],
  },
};

/** The widget's own words; `{s}` is a number of seconds. */
export interface WidgetTextSet {
  title: string;
  open: string;
  close: string;
  label: string;
  placeholder: string;
  send: string;
  skip: string;
  you: string;
  bot: string;
  agent: string;
  reconnecting: string;
  startFailed: string;
  sendFailed: string;
  retryIn: string;
  newMessage: string;
  preview: string;
}

export const WIDGET_TEXTS: Record<BuiltInLanguage, WidgetTextSet> = {
  en: {
    title: 'Chat with us',
    open: 'Open chat',
    close: 'Close chat',
    label: 'Your message',
    placeholder: 'Type a message…',
    send: 'Send',
    skip: 'Skip',
    you: 'You',
    bot: 'Bot',
    agent: 'Agent',
    reconnecting: 'Reconnecting…',
    startFailed: 'The chat could not start. Please try again.',
    sendFailed: 'Your message could not be sent. Please try again.',
    retryIn: 'Too many requests right now. Please try again in {s} s.',
    newMessage: 'New message',
    preview: 'Preview: nothing you type here reaches your inbox.',
  },
  de: {
    title: 'Schreiben Sie uns',
    open: 'Chat öffnen',
    close: 'Chat schließen',
    label: 'Ihre Nachricht',
    placeholder: 'Nachricht schreiben…',
    send: 'Senden',
    skip: 'Überspringen',
    you: 'Sie',
    bot: 'Bot',
    agent: 'Team',
    reconnecting: 'Verbindung wird wiederhergestellt…',
    startFailed: 'Der Chat konnte nicht starten. Bitte versuchen Sie es erneut.',
    sendFailed: 'Ihre Nachricht konnte nicht gesendet werden. Bitte versuchen Sie es erneut.',
    retryIn: 'Gerade zu viele Anfragen. Bitte versuchen Sie es in {s} s erneut.',
    newMessage: 'Neue Nachricht',
    preview: 'Vorschau: Was Sie hier schreiben, erreicht Ihren Posteingang nicht.',
  },
  fr: {
    title: 'Écrivez-nous',
    open: 'Ouvrir le chat',
    close: 'Fermer le chat',
    label: 'Votre message',
    placeholder: 'Écrivez un message…',
    send: 'Envoyer',
    skip: 'Passer',
    you: 'Vous',
    bot: 'Bot',
    agent: 'Équipe',
    reconnecting: 'Reconnexion…',
    startFailed: 'Le chat n’a pas pu démarrer. Veuillez réessayer.',
    sendFailed: 'Votre message n’a pas pu être envoyé. Veuillez réessayer.',
    retryIn: 'Trop de demandes en ce moment. Veuillez réessayer dans {s} s.',
    newMessage: 'Nouveau message',
    preview: 'Aperçu : rien de ce que vous écrivez ici n’arrive dans votre boîte de réception.',
  },
};

export const isBuiltInLanguage = (lang: string): lang is BuiltInLanguage => (BUILT_IN_LANGUAGES as readonly string[]).includes(lang);

/** "de-AT" → "de"; anything that is not a language tag → null. */
export function primaryLanguage(tag: string): string | null {
  const match = /^([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*$/i.exec(tag.trim());
  return match ? (match[1] as string).toLowerCase() : null;
}
